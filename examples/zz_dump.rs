fn main() {
    let p = std::env::args().nth(1).unwrap();
    let t = std::fs::read_to_string(p).unwrap();
    let parsed = nixfold::syntax::parse(&t);
    println!("{:#?}", parsed.syntax());
}
