# nixfold's stand-in for Nix's <nix/fetchurl.nix>: a fixed-output
# derivation with the `builtin:fetchurl` builder. Only described, never built.
{ url
, name ? baseNameOf (toString url)
, hash ? ""
, sha256 ? ""
, executable ? false
, unpack ? false
, system ? "builtin"
}:
derivation {
  inherit name url executable unpack system;
  builder = "builtin:fetchurl";
  outputHashMode = if unpack || executable then "recursive" else "flat";
  outputHashAlgo = if hash != "" then "" else "sha256";
  outputHash = if hash != "" then hash else sha256;
  urls = [ url ];
  preferLocalBuild = true;
}
