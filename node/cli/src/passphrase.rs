//! Where an official's passphrase comes from: a file named by `--passphrase-file` (for scripts;
//! its first line, without the line ending), or the terminal, asked without echo. With neither
//! (no file, standard input not a terminal) the command stops with a usage error rather than
//! wait for a prompt nobody sees.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use bansao_trust::Passphrase;

/// No passphrase could be had, or the two typed differ: a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum PassphraseInputError {
    /// Nowhere to read it from.
    #[error("no passphrase: give --passphrase-file FILE (standard input is not a terminal)")]
    NoTerminal,
    /// The confirmation differs.
    #[error("hai lần nhập không khớp (the two passphrases differ)")]
    Mismatch,
}

/// Reads the passphrase from `file`, or asks for it (twice when `confirm`, for a new one).
pub fn obtain(file: Option<&Path>, who: &str, confirm: bool) -> anyhow::Result<Passphrase> {
    if let Some(file) = file {
        return from_file(file);
    }
    if !std::io::stdin().is_terminal() {
        return Err(PassphraseInputError::NoTerminal.into());
    }
    let first = rpassword::prompt_password(format!("Mật khẩu của {who} (passphrase): "))?;
    if confirm {
        let again = rpassword::prompt_password("Nhập lại (again): ")?;
        if again != first {
            return Err(PassphraseInputError::Mismatch.into());
        }
    }
    Ok(Passphrase::new(first)?)
}

/// The first line of `file`.
fn from_file(file: &Path) -> anyhow::Result<Passphrase> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the passphrase file {}", file.display()))?;
    let line = text.lines().next().unwrap_or_default().to_owned();
    Ok(Passphrase::new(line)?)
}
