//! The city's pages, for its staff (signed in with their own locked keys, under the same session
//! rules, lock-out and CSRF checks as a ward's officials): the trust list, revoking a key or a
//! copy, publishing the lists, the audit trail. Handlers call `bansao_node::city_desk` (the
//! same revocations `bansao keys` makes, signed with the registrar key) and render; root
//! ceremonies are not here.
//!
//! Another page that city staff sign in to takes [`CurrentStaff`](crate::auth::CurrentStaff)
//! as an extractor on a router whose state is [`CityState`].

pub mod audit;
pub mod keys;
pub mod state;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::pages::NavLink;
use crate::pages::sign_in;
pub use state::CityState;

/// The city's menu.
pub const CITY_NAV: &[NavLink] = &[
    NavLink {
        href: "/dashboard",
        vi: "Giám sát đồng bộ",
        en: "Sync monitoring",
    },
    NavLink {
        href: "/keys",
        vi: "Khóa và thu hồi",
        en: "Keys and revocations",
    },
    NavLink {
        href: "/audit",
        vi: "Nhật ký thao tác",
        en: "Audit trail",
    },
    NavLink {
        href: "/verify",
        vi: "Kiểm tra bản sao",
        en: "Verify a copy",
    },
];

/// Every page of the city's staff.
pub fn city_router(state: CityState) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/keys") }))
        .route(
            "/sign-in",
            get(sign_in::form::<CityState>).post(sign_in::submit::<CityState>),
        )
        .route("/sign-out", post(sign_in::sign_out::<CityState>))
        .route("/keys", get(keys::page))
        .route("/keys/{key}/revoke", post(keys::revoke_key))
        .route("/revoke-copy", post(keys::revoke_copy))
        .route("/publish", post(keys::publish))
        .route("/audit", get(audit::page))
        .with_state(state)
}
