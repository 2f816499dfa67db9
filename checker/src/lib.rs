//! tiercheck as a library: the tier data, the checks, and the ELF inspector (also a fuzz target).

pub mod allow;
pub mod app;
pub mod atomic_fs;
pub mod bench;
pub mod binary;
pub mod build;
pub mod cache;
pub mod cargo_run;
pub mod checked_write;
pub mod child;
pub mod cli;
pub mod env;
pub mod envcmd;
pub mod explain;
pub mod flags;
pub mod fsread;
pub mod host_env;
pub mod init;
pub mod output;
pub mod path_search;
pub mod per_platform;
pub mod pgo;
pub mod profile_intent;
pub mod project;
pub mod recovercmd;
pub mod recovery;
pub mod report;
pub mod resolve;
pub mod rule_docs;
pub mod rustc_cache;
pub mod rustup;
pub mod rustup_home;
pub mod safe_write;
pub mod shell;
pub mod suggest;
pub mod termsafe;
pub mod tiers;
pub mod toml_doc;
pub mod toolchain;
pub mod toolchain_check;
pub mod toolchain_file;
pub mod toolchain_name;
pub mod tools;
pub mod tune;
pub mod tuned;
pub mod variant;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvFormat {
    Sh,
    Fish,
    Json,
}
