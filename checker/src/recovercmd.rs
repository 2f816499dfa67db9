//! `tiercheck recover [DIR]`: finishes or undoes what a killed tiercheck run left in a project
//! (an interrupted `init` write, a `bench --edit` source change). `init`, `bench` and `build` do
//! the same before they start; this command does only that.

use std::path::PathBuf;

use anyhow::Result;

use crate::output::Out;
use crate::safe_write::Root;
use crate::termsafe::field;

/// Put right what an interrupted tiercheck run left in a project (init's writes, bench's edit)
#[derive(clap::Args)]
pub struct Args {
    /// The project directory (its workspace root holds the records, under target/)
    #[arg(default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: Args, out: &mut Out) -> Result<i32> {
    let root = Root::new(&crate::project::load::workspace_root_dir(&args.dir)?)?;
    let notes = crate::recovery::recover(&root)?;
    // Notes name files a checkout chose: each is one escaped line.
    if notes.is_empty() {
        let shown = root.path().display().to_string();
        out.push_str(&format!("{}: nothing to recover\n", field(&shown)));
    }
    for n in notes {
        out.push_str(&format!("{}\n", field(&n)));
    }
    Ok(0)
}
