# sesh: smart tmux session manager (newer than the nixpkgs release).
{ lib
, buildGoModule
, fetchFromGitHub
}:

buildGoModule rec {
  pname = "sesh";
  version = "2.6.0";

  src = fetchFromGitHub {
    owner = "joshmedeski";
    repo = "sesh";
    rev = "v${version}";
    hash = "sha256-mxdTlhVaiN6K/ss4cJmoZHWPi8db/Z+YPOrqiUWW0Vs=";
  };

  vendorHash = "sha256-nrGDKQnRnjWl0s3CO2MKI7b+DRMhGasHURxsqzi7L+c=";

  ldflags = [ "-s" "-w" "-X main.version=${version}" ];

  meta = with lib; {
    description = "Smart session manager for the terminal";
    homepage = "https://github.com/joshmedeski/sesh";
    license = licenses.mit;
    mainProgram = "sesh";
  };
}
