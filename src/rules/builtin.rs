//! The rule files compiled into the binary. A test checks that this list
//! names every `rules/*.toml`, so a new file cannot be forgotten here.

/// `(path, TOML text)` of every built-in rules file.
pub const BUILTIN: &[(&str, &str)] = &[
    ("rules/prefix.toml", include_str!("../../rules/prefix.toml")),
    (
        "rules/grammar.toml",
        include_str!("../../rules/grammar.toml"),
    ),
    (
        "rules/console.toml",
        include_str!("../../rules/console.toml"),
    ),
    (
        "rules/harness.toml",
        include_str!("../../rules/harness.toml"),
    ),
    (
        "rules/identity.toml",
        include_str!("../../rules/identity.toml"),
    ),
    ("rules/sweep.toml", include_str!("../../rules/sweep.toml")),
    (
        "rules/message.toml",
        include_str!("../../rules/message.toml"),
    ),
    ("rules/label.toml", include_str!("../../rules/label.toml")),
];
