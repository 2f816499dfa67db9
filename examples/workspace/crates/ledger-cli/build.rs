//! Records how the binary was built, so `ledger --version` can say it.
fn main() {
    let profile = std::env::var("PROFILE").unwrap_or_default();
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rustc-env=LEDGER_BUILD={profile} {target}");
    println!("cargo:rerun-if-changed=build.rs");
}
