# A tier -> the Rust toolchain it pins: channel, version or date, and components (the toolchain's
# own plus those its techniques need, e.g. rustc-codegen-cranelift-preview).
{ data, resolveTier, unique }:
{
  tier,
  enable ? [ ],
  disable ? [ ],
}:
let
  resolved = resolveTier { inherit tier enable disable; };
in
if resolved.toolchain == null then
  throw "rust-tiers: ${tier} ships no toolchain"
else
  resolved.toolchain.spec
  // {
    name = resolved.toolchain.name;
    components = unique (
      resolved.toolchain.spec.components
      ++ builtins.concatMap (id: data.techniques.${id}.components or [ ]) resolved.techniques
    );
  }
