//! Exit codes: every error of the application library says its own code through
//! [`ExitStatus`]; [`exit_code_for`] finds the first error in a failure's chain that has one.
//!
//! 0 success (for `verify`: genuine), 1 failure (for `verify`: not genuine), 2 unusable input or
//! usage, 3 unusable trust file, 4 unusable key or certificate file, 5 damaged database,
//! 6 invalid configuration.

use bansao_node::city::CityError;
use bansao_node::city_log::CityLogError;
use bansao_node::city_staff::StaffError;
use bansao_node::config::ConfigError;
use bansao_node::decisions::DecisionError;
use bansao_node::files::FileError;
use bansao_node::kiosk::{IssueError, ReprintError};
use bansao_node::node_dir::NodeError;
use bansao_node::sync::SyncShellError;
use bansao_node::trust_floor::{OlderTrustFile, TrustFloorError};
use bansao_node::verify::VerifyError;
use bansao_node::ward::WardError;
use bansao_store::StoreError;
use bansao_trust::{PassphraseError, TrustBundleError};

/// A failure that is not one of the kinds below.
pub const FAILURE: u8 = 1;
/// Unusable input or usage.
pub const USAGE_EXIT_CODE: u8 = 2;
/// An unusable trust file.
pub const TRUST_EXIT_CODE: u8 = 3;
/// An unusable key or certificate file.
pub const KEY_FILE_EXIT_CODE: u8 = 4;
/// A damaged database or damaged contents.
pub const DAMAGE_EXIT_CODE: u8 = 5;
/// An invalid configuration.
pub const CONFIG_EXIT_CODE: u8 = 6;

/// A command's arguments that do not go together (exit 2), found after clap parsed them.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl ExitStatus for UsageError {
    fn exit_code(&self) -> u8 {
        USAGE_EXIT_CODE
    }
}

/// The process exit code an error means.
pub trait ExitStatus {
    /// The code.
    fn exit_code(&self) -> u8;
}

impl ExitStatus for ConfigError {
    fn exit_code(&self) -> u8 {
        CONFIG_EXIT_CODE
    }
}

impl ExitStatus for FileError {
    fn exit_code(&self) -> u8 {
        KEY_FILE_EXIT_CODE
    }
}

impl ExitStatus for TrustBundleError {
    fn exit_code(&self) -> u8 {
        TRUST_EXIT_CODE
    }
}

impl ExitStatus for OlderTrustFile {
    fn exit_code(&self) -> u8 {
        TRUST_EXIT_CODE
    }
}

impl ExitStatus for StoreError {
    fn exit_code(&self) -> u8 {
        match self {
            StoreError::Corrupt { .. }
            | StoreError::TooNew { .. }
            | StoreError::DamagedChain { .. }
            | StoreError::Document { .. }
            | StoreError::LastCheckFoundDamage { .. } => DAMAGE_EXIT_CODE,
            _ => FAILURE,
        }
    }
}

impl ExitStatus for TrustFloorError {
    fn exit_code(&self) -> u8 {
        match self {
            TrustFloorError::Older(_) => TRUST_EXIT_CODE,
            TrustFloorError::Store(error) => error.exit_code(),
        }
    }
}

impl ExitStatus for NodeError {
    fn exit_code(&self) -> u8 {
        match self {
            NodeError::Config(error) => error.exit_code(),
            NodeError::File(error) => error.exit_code(),
            NodeError::CertificateMismatch { .. } => KEY_FILE_EXIT_CODE,
            NodeError::Trust { .. } => TRUST_EXIT_CODE,
            NodeError::TrustFloor(error) => error.exit_code(),
            NodeError::Store(error) => error.exit_code(),
            NodeError::WrongRole { .. } | NodeError::Entropy(_) => FAILURE,
        }
    }
}

impl ExitStatus for IssueError {
    fn exit_code(&self) -> u8 {
        match self {
            IssueError::Store(error) => error.exit_code(),
            IssueError::NoScans
            | IssueError::TooManyPages { .. }
            | IssueError::NotAnImage { .. } => USAGE_EXIT_CODE,
            _ => FAILURE,
        }
    }
}

impl ExitStatus for ReprintError {
    fn exit_code(&self) -> u8 {
        match self {
            ReprintError::Store(error) => error.exit_code(),
            _ => FAILURE,
        }
    }
}

impl ExitStatus for DecisionError {
    fn exit_code(&self) -> u8 {
        match self {
            DecisionError::Store(error) => error.exit_code(),
            DecisionError::ReasonTooLong { .. } => USAGE_EXIT_CODE,
            _ => FAILURE,
        }
    }
}

impl ExitStatus for WardError {
    fn exit_code(&self) -> u8 {
        match self {
            WardError::Node(error) => error.exit_code(),
            WardError::Store(error) => error.exit_code(),
            WardError::File(error) => error.exit_code(),
            WardError::Decision(error) => error.exit_code(),
            WardError::UnknownOfficial(_)
            | WardError::AlreadyLocked(_)
            | WardError::NoteRequired
            | WardError::DayOutOfRange(_) => USAGE_EXIT_CODE,
            WardError::BadIndexRow(_) => DAMAGE_EXIT_CODE,
            _ => FAILURE,
        }
    }
}

impl ExitStatus for CityError {
    fn exit_code(&self) -> u8 {
        match self {
            CityError::Node(error) => error.exit_code(),
            CityError::Config(error) => error.exit_code(),
            CityError::File(error) => error.exit_code(),
            CityError::Store(error) => error.exit_code(),
            CityError::Trust(_) => TRUST_EXIT_CODE,
            CityError::Decision(error) => error.exit_code(),
            _ => FAILURE,
        }
    }
}

impl ExitStatus for StaffError {
    fn exit_code(&self) -> u8 {
        match self {
            StaffError::City(error) => error.exit_code(),
            StaffError::File(error) => error.exit_code(),
            StaffError::UnknownStaff(_) => USAGE_EXIT_CODE,
            _ => FAILURE,
        }
    }
}

impl ExitStatus for CityLogError {
    fn exit_code(&self) -> u8 {
        match self {
            CityLogError::City(error) => error.exit_code(),
            CityLogError::Store(error) => error.exit_code(),
            CityLogError::LogKey(error) => error.exit_code(),
            CityLogError::NoLogKey(_) => KEY_FILE_EXIT_CODE,
            CityLogError::LogKeyNotTrusted { .. } => TRUST_EXIT_CODE,
            _ => FAILURE,
        }
    }
}

impl ExitStatus for SyncShellError {
    fn exit_code(&self) -> u8 {
        match self {
            SyncShellError::Trust { .. } => TRUST_EXIT_CODE,
            SyncShellError::TrustFloor(error) => error.exit_code(),
            SyncShellError::File(error) => error.exit_code(),
            SyncShellError::Store(error) => error.exit_code(),
            SyncShellError::Config(error) => error.exit_code(),
            SyncShellError::Node(error) => error.exit_code(),
            _ => FAILURE,
        }
    }
}

impl ExitStatus for PassphraseError {
    fn exit_code(&self) -> u8 {
        USAGE_EXIT_CODE
    }
}

impl ExitStatus for crate::passphrase::PassphraseInputError {
    fn exit_code(&self) -> u8 {
        USAGE_EXIT_CODE
    }
}

impl ExitStatus for bansao_node::log_mirror::MirrorError {
    fn exit_code(&self) -> u8 {
        use bansao_node::log_mirror::MirrorError;
        match self {
            MirrorError::BadUrl(..) | MirrorError::BadSavedCheckpoint(_) => USAGE_EXIT_CODE,
            _ => FAILURE,
        }
    }
}

impl ExitStatus for VerifyError {
    fn exit_code(&self) -> u8 {
        VerifyError::exit_code(self)
    }
}

/// The exit code of a failed command: that of the first error in its chain that says one.
pub fn exit_code_for(error: &anyhow::Error) -> u8 {
    macro_rules! first_known {
        ($cause:expr, $($kind:ty),+) => {
            $(if let Some(error) = $cause.downcast_ref::<$kind>() {
                return ExitStatus::exit_code(error);
            })+
        };
    }
    for cause in error.chain() {
        first_known!(
            cause,
            NodeError,
            IssueError,
            ReprintError,
            WardError,
            CityError,
            StaffError,
            CityLogError,
            bansao_node::log_mirror::MirrorError,
            DecisionError,
            SyncShellError,
            VerifyError,
            TrustFloorError,
            OlderTrustFile,
            TrustBundleError,
            FileError,
            StoreError,
            ConfigError,
            PassphraseError,
            crate::passphrase::PassphraseInputError,
            UsageError
        );
    }
    FAILURE
}
