# idpbuilder: spins up an internal developer platform (Gitea, ArgoCD, ingress)
# on a local kind cluster.
{ lib
, buildGoModule
, fetchFromGitHub
, installShellFiles
}:

buildGoModule rec {
  pname = "idpbuilder";
  version = "0.8.1";

  src = fetchFromGitHub {
    owner = "cnoe-io";
    repo = "idpbuilder";
    rev = "v${version}";
    hash = "sha256-ziMdfnwUHW4iCM/BuS4sBpCHkPElqji6V3ggNdjbkS8=";
  };

  vendorHash = "sha256-+JapMAadnW2LJOb1Xh6yduaERjpoXPOHgB5p7WIM9yQ=";

  subPackages = [ "." ];

  ldflags = [
    "-s"
    "-w"
    "-X github.com/cnoe-io/idpbuilder/pkg/cmd/version.idpbuilderVersion=${version}"
  ];

  nativeBuildInputs = [ installShellFiles ];

  postInstall = ''
    installShellCompletion --cmd idpbuilder \
      --bash <($out/bin/idpbuilder completion bash) \
      --zsh <($out/bin/idpbuilder completion zsh)
  '';

  meta = with lib; {
    description = "Build an internal developer platform on a local Kubernetes cluster";
    homepage = "https://github.com/cnoe-io/idpbuilder";
    license = licenses.asl20;
    mainProgram = "idpbuilder";
  };
}
