//! Evaluate one expression under step, memory and depth limits (pure mode,
//! no file access): no panic, no stack overflow, no hang, and printing the
//! value works.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = common::eval(text);
});
