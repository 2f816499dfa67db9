//! The closed sets of states a binary is found in (ELF class, kind, linkage, strip state, split
//! debuginfo, the linker `.comment` names): enums that serialise to the strings the JSON document
//! has always held, so facts are typed in the code and unchanged for readers of the JSON.

use serde::{Deserialize, Serialize};

/// An enum whose variants serialise (and print) as the given strings; the first is the default
/// (the state before inspection sets it).
macro_rules! named_states {
    ($(#[$m:meta])* $name:ident { $first:ident = $fs:literal $(, $v:ident = $s:literal)* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
        pub enum $name {
            #[default]
            #[serde(rename = $fs)]
            $first,
            $(#[serde(rename = $s)] $v),*
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $name::$first => $fs,
                    $($name::$v => $s),*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_states!(
    /// The ELF class.
    ElfClass { Elf64 = "ELF64", Elf32 = "ELF32" }
);

named_states!(
    /// What the file is (a PIE executable is `Executable`, not a shared object).
    ObjectKind {
        Unknown = "unknown",
        Executable = "executable",
        SharedObject = "shared-object",
        Relocatable = "relocatable",
        Core = "core",
    }
);

named_states!(
    /// How the file is linked: an interpreter or DT_NEEDED entries make it dynamic.
    Linkage { Static = "static", StaticPie = "static-pie", Dynamic = "dynamic" }
);

named_states!(
    /// What was stripped: nothing, the debuginfo (`.symtab` kept), or the symbols too.
    Stripped { None = "none", Debuginfo = "debuginfo", Symbols = "symbols" }
);

named_states!(
    /// Where the debuginfo is: in the binary (or nowhere), in `.dwo` files beside the objects,
    /// or in a `.dwp` beside the binary.
    SplitDebuginfo { Off = "off", Unpacked = "unpacked", Packed = "packed" }
);

named_states!(
    /// The linker `.comment` (or gold's note) names.
    LinkerSeen {
        NoneRecorded = "none-recorded",
        RustLld = "rust-lld",
        Lld = "lld",
        Mold = "mold",
        Wild = "wild",
        Gold = "gold",
    }
);

impl LinkerSeen {
    /// Whether this is the linker a technique names (`[techniques.*.binary] linker`): `lld` is
    /// met by rustc's own rust-lld too, and `none` by a binary that records no linker.
    pub fn is(self, want: &str) -> bool {
        self.as_str() == want
            || (want == "lld" && self == LinkerSeen::RustLld)
            || (want == "none" && self == LinkerSeen::NoneRecorded)
    }
}

impl Stripped {
    /// Whether this state is what a technique that strips `want` leaves: stripping debuginfo is
    /// also met when the symbols went too (a finding of its own says so).
    pub fn meets(self, want: &str) -> bool {
        match want {
            "debuginfo" => self != Stripped::None,
            other => self.as_str() == other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_serialise_as_the_strings_the_json_has_always_held() {
        let got = serde_json::to_string(&(
            ElfClass::Elf32,
            ObjectKind::SharedObject,
            Linkage::StaticPie,
            Stripped::Debuginfo,
            SplitDebuginfo::Packed,
            LinkerSeen::NoneRecorded,
        ))
        .unwrap();
        assert_eq!(
            got,
            r#"["ELF32","shared-object","static-pie","debuginfo","packed","none-recorded"]"#
        );
        let back: LinkerSeen = serde_json::from_str(r#""rust-lld""#).unwrap();
        assert!(back.is("lld") && back.is("rust-lld") && !back.is("mold"));
        assert!(LinkerSeen::NoneRecorded.is("none"));
        assert!(Stripped::Symbols.meets("debuginfo") && !Stripped::None.meets("debuginfo"));
        assert!(Stripped::Symbols.meets("symbols") && !Stripped::Debuginfo.meets("symbols"));
    }
}
