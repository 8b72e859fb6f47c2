# Stub of numtide/flake-utils for nixfold's tests (same functions and results
# for the parts configurations use).
{
  description = "Stub flake-utils";

  outputs = { self }:
    let
      defaultSystems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];

      # { a = v; } for every system  ->  { a.<system> = v; }
      eachSystem = systems: f:
        builtins.foldl'
          (acc: system:
            let outputs = f system; in
            acc // builtins.mapAttrs (name: value: (acc.${name} or { }) // { ${system} = value; }) outputs)
          { }
          systems;
    in
    {
      lib = {
        inherit defaultSystems eachSystem;
        allSystems = defaultSystems ++ [ "i686-linux" "armv7l-linux" "riscv64-linux" ];
        eachDefaultSystem = eachSystem defaultSystems;
        eachSystemMap = systems: f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
        eachDefaultSystemMap = self.lib.eachSystemMap defaultSystems;
        system = builtins.listToAttrs (map (s: { name = s; value = s; }) (defaultSystems ++ [ "i686-linux" ]));
        mkApp = { drv, name ? drv.pname or drv.name, exePath ? drv.passthru.exePath or "/bin/${name}" }: {
          type = "app";
          program = "${drv}${exePath}";
        };
      };
    };
}
