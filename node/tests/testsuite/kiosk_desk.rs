//! The kiosk screen's service without a browser: the idle timeout with the time handed in, the
//! screen's token, a device that fails, and the rating stored with the copy.

use std::path::Path;
use std::time::{Duration, Instant};

use bansao_copy::CopyId;
use bansao_node::kiosk::{Kiosk, RATING_EVENT, RatingError};
use bansao_node::kiosk_desk::devices::{DeskDevices, DeviceKit};
use bansao_node::kiosk_desk::view::Screen;
use bansao_node::kiosk_desk::{DeskError, KioskDesk, Press, Still};
use bansao_node::kiosk_shell::perception::Perception;
use bansao_testkit::World;

/// Devices whose card reader shows a card with no QR code, whose camera is gone and whose
/// scanner is empty.
struct EmptyKit {
    card: std::path::PathBuf,
}

impl DeviceKit for EmptyKit {
    fn session_devices(&mut self) -> Result<DeskDevices, String> {
        Ok(DeskDevices {
            card_reader: Box::new(bansao_hw::camera::SimulatedCamera::still([self
                .card
                .clone()])),
            camera: Box::new(bansao_hw::camera::SimulatedCamera::new([])),
            scanner: Box::new(bansao_hw::scanner::SimulatedScanner::new([])),
            printer: Err("không có máy in (no printer)".to_owned()),
        })
    }
}

fn desk(root: &Path) -> (World, KioskDesk) {
    let world = World::create(root).unwrap();
    let card = root.join("card.png");
    std::fs::write(&card, bansao_testkit::SAMPLE_SCAN).unwrap();
    let kiosk = Kiosk::open(&world.dir("kiosk")).unwrap();
    let perception = Perception::open(&kiosk.settings.devices).unwrap();
    let desk = KioskDesk::new(kiosk, perception, Box::new(EmptyKit { card }), None)
        .unwrap()
        .with_idle_timeout(Duration::from_secs(120));
    (world, desk)
}

#[test]
fn the_idle_timeout_wipes_the_session_and_its_images_and_changes_the_token() {
    let temp = tempfile::tempdir().unwrap();
    let (_world, mut desk) = desk(temp.path());
    let t0 = Instant::now();
    let wall = bansao_node::entropy::now();
    let csrf = desk.view(t0).unwrap().csrf;
    desk.press(&csrf, Press::Start(None), t0, wall).unwrap();
    let csrf = desk.view(t0).unwrap().csrf;
    // A card without a QR code: said kindly, the session waits on the same screen.
    desk.press(&csrf, Press::ReadCard, t0, wall).unwrap();
    let view = desk.view(t0).unwrap();
    assert_eq!(view.screen, Screen::Identify);
    assert!(view.problem.unwrap().what.contains("QR"));
    assert!(
        desk.still(Still::Card).is_some(),
        "the card's still is shown"
    );

    assert!(!desk.expire(t0 + Duration::from_secs(119)).unwrap());
    assert_eq!(
        desk.view(t0 + Duration::from_secs(119))
            .unwrap()
            .idle_seconds_left,
        1
    );
    assert!(desk.expire(t0 + Duration::from_secs(120)).unwrap());
    assert!(!desk.in_session());
    assert!(desk.still(Still::Card).is_none(), "the images are gone");
    let view = desk.view(t0 + Duration::from_secs(120)).unwrap();
    assert_eq!(view.screen, Screen::Start);
    assert_ne!(
        view.csrf, csrf,
        "a new token: the old screen's forms press nothing"
    );
    let stale = desk.press(
        &csrf,
        Press::SkipIdentity,
        t0 + Duration::from_secs(121),
        wall,
    );
    assert!(matches!(stale, Err(DeskError::StaleForm)));
}

#[test]
fn a_device_that_fails_is_said_with_what_to_do_and_the_session_waits() {
    let temp = tempfile::tempdir().unwrap();
    let (_world, mut desk) = desk(temp.path());
    let now = Instant::now();
    let wall = bansao_node::entropy::now();
    let csrf = desk.view(now).unwrap().csrf;
    desk.press(&csrf, Press::Start(None), now, wall).unwrap();
    let csrf = desk.view(now).unwrap().csrf;
    desk.press(&csrf, Press::SkipIdentity, now, wall).unwrap();
    desk.press(&csrf, Press::ScanPage, now, wall).unwrap();
    let view = desk.view(now).unwrap();
    assert_eq!(view.screen, Screen::Scan, "still scanning");
    let problem = view.problem.unwrap();
    assert!(problem.what.contains("máy quét"), "{problem:?}");
    assert!(problem.next.contains("Đặt trang"), "{problem:?}");
    // "Done" without a page moves nothing on; cancelling ends it with nothing issued.
    desk.press(&csrf, Press::DoneScanning, now, wall).unwrap();
    assert_eq!(desk.view(now).unwrap().screen, Screen::Scan);
    desk.press(&csrf, Press::Cancel, now, wall).unwrap();
    let view = desk.view(now).unwrap();
    assert_eq!(view.screen, Screen::Over);
    // An ended screen goes back to the start sooner than the idle timeout.
    assert!(
        desk.expire(now + bansao_node::kiosk_desk::ENDED_SCREEN_FOR)
            .unwrap()
    );
}

#[test]
fn a_rating_is_stored_with_the_copy_once_and_only_from_1_to_5() {
    let temp = tempfile::tempdir().unwrap();
    let world = World::create(temp.path()).unwrap();
    let mut kiosk = Kiosk::open(&world.dir("kiosk")).unwrap();
    let now = bansao_node::entropy::now();
    let copy = kiosk.issue(bansao_testkit::sample_request(), now).unwrap();
    let copy_id: CopyId = copy.document.content().copy_id;
    assert!(matches!(
        kiosk.record_rating(copy_id, 6, now),
        Err(RatingError::OutOfRange(6))
    ));
    kiosk.record_rating(copy_id, 4, now).unwrap();
    assert!(matches!(
        kiosk.record_rating(copy_id, 5, now),
        Err(RatingError::NotRateable(_))
    ));
    let stored = kiosk
        .store()
        .load_copy(copy_id, bansao_node::entropy::new_actor().unwrap())
        .unwrap();
    let ratings: Vec<_> = stored
        .events()
        .unwrap()
        .into_iter()
        .filter(|event| event.kind == RATING_EVENT)
        .collect();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0].detail, "4");
    assert_eq!(ratings[0].by, kiosk.settings.id.to_string());
    // The copy's signature still holds: the rating is outside the signed content.
    let report = bansao_node::copies::status_report(&stored, kiosk.trust()).unwrap();
    assert_eq!(report.status, bansao_copy::status::CopyStatus::Provisional);
}
