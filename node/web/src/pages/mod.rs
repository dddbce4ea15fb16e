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

/// A link of a page frame's menu.
#[derive(Debug, Clone, Copy)]
pub struct NavLink {
    /// Where it leads.
    pub href: &'static str,
    /// Its words, Vietnamese.
    pub vi: &'static str,
    /// Its words, English.
    pub en: &'static str,
}

/// The ward's menu.
pub const WARD_NAV: &[NavLink] = &[
    NavLink {
        href: "/queue",
        vi: "Chờ duyệt",
        en: "Queue",
    },
    NavLink {
        href: "/reconcile",
        vi: "Đối chiếu",
        en: "Reconcile",
    },
    NavLink {
        href: "/report",
        vi: "Cuối ngày",
        en: "Close the day",
    },
];

/// What the frame of every page shows: the node (a commune, the city), its menu, who is signed
/// in, the sign-out form's token.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The commune's or the city's name.
    pub place: String,
    /// Where the brand leads.
    pub home: &'static str,
    /// The menu shown to a signed-in person.
    pub nav: &'static [NavLink],
    /// The signed-in person's name and id.
    pub person: Option<String>,
    /// The session's CSRF token (empty when nobody is signed in).
    pub csrf: String,
}

impl Chrome {
    /// The ward's frame for a signed-in official.
    pub fn signed_in(state: &WebState, current: &CurrentOfficial) -> Chrome {
        let official = &current.signed_in.person;
        Chrome {
            person: Some(format!("{} ({})", official.name(), official.id)),
            csrf: current.signed_in.csrf.clone(),
            ..Chrome::anonymous(state)
        }
    }

    /// The ward's frame when nobody is signed in.
    pub fn anonymous(state: &WebState) -> Chrome {
        Chrome::public(state.commune_name().to_owned(), "/queue", WARD_NAV)
    }

    /// A frame with nobody signed in.
    pub fn public(place: String, home: &'static str, nav: &'static [NavLink]) -> Chrome {
        Chrome {
            place,
            home,
            nav,
            person: None,
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
        chrome: Chrome::public(String::new(), "/", &[]),
        status: status.as_u16(),
        message,
    }
    .render()
}

/// A thousandths confidence as a percentage with one decimal.
pub fn percent(permille: u16) -> String {
    format!("{:.1} %", f64::from(permille) / 10.0)
}
