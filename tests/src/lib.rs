//! End-to-end tests that span bansao's crates: a city, a ward, a kiosk and officials built in
//! temporary directories, copies issued, decided and verified the way a person would. The tests
//! are under `tests/`; this library is empty on purpose (the multi-node simulation harness of
//! the sync engine will live here).
