//! One module a page. Each handler reads the request, calls the ward service, and renders a
//! template from `templates/` (askama, checked and compiled in at build time).

pub mod case;
pub mod queue;
pub mod reconcile;
pub mod report;
pub mod sign_in;

use askama::Template;
use axum::http::StatusCode;

use crate::auth::CurrentOfficial;
use crate::state::WebState;

/// What the frame of every page shows: the commune, who is signed in, the sign-out form's token.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The commune's name.
    pub commune: String,
    /// The signed-in official's name and id.
    pub official: Option<String>,
    /// The session's CSRF token (empty when nobody is signed in).
    pub csrf: String,
}

impl Chrome {
    /// The frame for a signed-in official.
    pub fn signed_in(state: &WebState, current: &CurrentOfficial) -> Chrome {
        let official = &current.signed_in.official;
        Chrome {
            commune: state.commune_name().to_owned(),
            official: Some(format!("{} ({})", official.name(), official.id)),
            csrf: current.signed_in.csrf.clone(),
        }
    }

    /// The frame when nobody is signed in.
    pub fn anonymous(state: &WebState) -> Chrome {
        Chrome {
            commune: state.commune_name().to_owned(),
            official: None,
            csrf: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    message: &'a str,
}

/// The error page for `status`.
pub fn render_error(status: StatusCode, message: &str) -> Result<String, askama::Error> {
    ErrorPage {
        chrome: Chrome {
            commune: String::new(),
            official: None,
            csrf: String::new(),
        },
        status: status.as_u16(),
        message,
    }
    .render()
}

/// A thousandths confidence as a percentage with one decimal.
pub fn percent(permille: u16) -> String {
    format!("{:.1} %", f64::from(permille) / 10.0)
}
