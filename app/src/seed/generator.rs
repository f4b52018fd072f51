//! The generator of synthetic cases: a seeded random walk through the programme's proportions
//! (12 districts, Milano about a third; the main countries of origin; about 10% women; most
//! cases closed or in charge), written as typed rows for `persistence::seed`.

use chrono::{Datelike, Duration, NaiveDateTime};
use domain::Vocabulary;
use domain::beneficiaries::{Gender, PermitKind};
use domain::cases::{CaseStatus, Channel, EventKind, Outcome};
use domain::consents::{ConsentKind, ConsentMethod};
use domain::districts::DistrictCode;
use domain::notes::Confidentiality;
use domain::referrals::ReferralStatus;
use domain::screening::{Contract, Need, Profile};
use domain::services::ServiceCategory;
use domain::users::Role;
use persistence::seed::{
    SeedBatch, SeedCase, SeedCaseEvent, SeedConsent, SeedNote, SeedPerson, SeedReferral, SeedReferralEvent, SeedService,
};
use uuid::Uuid;

/// splitmix64: small, fast and good enough for test data; the same seed gives the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u64)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[items.len() - 1].0
    }

    /// A time-ordered id (UUIDv7) for an instant, as the service makes them.
    pub fn id_at(&mut self, at: NaiveDateTime) -> Uuid {
        let millis = u64::try_from(at.and_utc().timestamp_millis()).unwrap_or(0);
        let random = self.next_u64().to_le_bytes();
        let more = self.next_u64().to_le_bytes();
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&random);
        bytes[8..].copy_from_slice(&more[..2]);
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }
}

/// A country of origin: its language, some names, and its share of the people.
struct Origin(&'static str, &'static str, &'static [&'static str], &'static [&'static str], u64);

/// The programme's main countries of origin.
const ORIGINS: &[Origin] = &[
    Origin(
        "PK",
        "ur",
        &["Bilal", "Imran", "Asif", "Usman", "Zeeshan", "Amina"],
        &["Hussain", "Khan", "Ahmed", "Iqbal"],
        18,
    ),
    Origin("BD", "bn", &["Rahim", "Karim", "Sohel", "Jamal", "Nasrin"], &["Hossain", "Rahman", "Islam", "Miah"], 14),
    Origin(
        "MA",
        "ar",
        &["Youssef", "Mohamed", "Hamza", "Said", "Fatima"],
        &["Benali", "El Amrani", "Haddad", "Tazi"],
        12,
    ),
    Origin("EG", "ar", &["Ahmed", "Mahmoud", "Omar", "Mostafa"], &["Hassan", "Abdelrahman", "Farouk", "Salem"], 10),
    Origin("SN", "wo", &["Moussa", "Mamadou", "Cheikh", "Fatou", "Awa"], &["Diop", "Ndiaye", "Fall", "Sow"], 9),
    Origin("NG", "en", &["Chinedu", "Emeka", "Blessing", "Joy"], &["Okafor", "Adeyemi", "Eze", "Obi"], 7),
    Origin("TN", "ar", &["Anis", "Mehdi", "Sami"], &["Trabelsi", "Ben Salah", "Jlassi"], 6),
    Origin("GM", "en", &["Lamin", "Ebrima", "Modou"], &["Jallow", "Ceesay", "Touray"], 5),
    Origin("ML", "fr", &["Boubacar", "Seydou", "Adama"], &["Traore", "Keita", "Coulibaly"], 4),
    Origin("CI", "fr", &["Yao", "Kouassi", "Aya"], &["Kone", "Ouattara", "Bamba"], 4),
    Origin("AL", "sq", &["Arben", "Ervin", "Elira"], &["Hoxha", "Dervishi", "Shehu"], 3),
    Origin("PE", "es", &["Luis", "Carlos", "Rosa"], &["Quispe", "Huaman", "Flores"], 3),
    Origin("UA", "uk", &["Oleh", "Andrii", "Olena"], &["Shevchenko", "Bondarenko", "Melnyk"], 3),
    Origin("IN", "hi", &["Gurpreet", "Harpreet", "Manpreet"], &["Singh", "Kaur", "Sharma"], 2),
];

fn pick_origin(rng: &mut Rng) -> &'static Origin {
    let total: u64 = ORIGINS.iter().map(|o| o.4).sum();
    let mut roll = rng.below(total);
    for origin in ORIGINS {
        if roll < origin.4 {
            return origin;
        }
        roll -= origin.4;
    }
    &ORIGINS[0]
}

/// The people and organisations the generated records name as their authors.
pub struct Staff {
    /// Per district: the coordinator, then the case workers.
    pub teams: Vec<(DistrictCode, Uuid, Vec<Uuid>)>,
    /// Organisations referrals go to.
    pub partners: Vec<Uuid>,
}

/// What was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub cases: usize,
    pub rows: usize,
}

/// The people and organisations generated records name as their authors, and the Region.
pub(super) struct Authors<'a> {
    pub staff: &'a Staff,
    pub region: Uuid,
}

/// The records of the cases `numbers` of `total`. Interceptions are spread over the last two
/// years in order, so ids (time-ordered) and the date indexes grow at their end: bulk inserts
/// append instead of touching random pages of a large database.
pub(super) fn generate(
    rng: &mut Rng,
    authors: &Authors,
    numbers: std::ops::Range<usize>,
    total: usize,
    now: NaiveDateTime,
) -> SeedBatch {
    let staff = authors.staff;
    let region = authors.region;
    let mut batch = SeedBatch::default();
    for number in numbers {
        // Milano holds about a third of the programme; the other districts share the rest.
        let team = if rng.chance(30) { &staff.teams[0] } else { rng.pick(&staff.teams) };
        let (district, coordinator, workers) = (&team.0, team.1, &team.2);
        let worker = *rng.pick(workers);
        // Office hours, on a day of the last two years.
        let days_ago = 730 - (number as u64 * 730 / total.max(1) as u64).min(729);
        let day = (now - Duration::days(days_ago as i64)).date();
        let intercepted_at = day.and_hms_opt(8, 0, 0).unwrap_or(now) + Duration::seconds(rng.below(11 * 3600) as i64);
        let Origin(country, language, first_names, last_names, _) = pick_origin(rng);
        let (first, last) = (*rng.pick(first_names), *rng.pick(last_names));
        let person = rng.id_at(intercepted_at);
        let known = !rng.chance(3);
        let gender = if rng.chance(10) {
            Some(Gender::Female)
        } else if rng.chance(1) {
            None
        } else {
            Some(Gender::Male)
        };
        batch.people.push(SeedPerson {
            id: person,
            district: district.clone(),
            alias: format!("{first} {}", last.chars().next().unwrap_or('X')),
            first_name: first.to_string(),
            last_name: last.to_string(),
            gender,
            birth_year: intercepted_at.year() - 19 - rng.below(35) as i32,
            citizenship: known.then(|| country.to_string()),
            language: language.to_string(),
            phone: if rng.chance(60) {
                Some(format!("+39 3{:02} {:07}", rng.below(60), rng.below(10_000_000)))
            } else {
                None
            },
            arrival_year: intercepted_at.year() - rng.below(12) as i32,
            permit_kind: if rng.chance(50) { Some(PermitKind::AwaitingRenewal) } else { None },
            created_by: worker,
            created_at: intercepted_at,
        });

        // The path: most cases end closed or in charge.
        let target = *rng.weighted(&[
            (CaseStatus::Intercepted, 15),
            (CaseStatus::Screening, 7),
            (CaseStatus::TakenInCharge, 30),
            (CaseStatus::Suspended, 3),
            (CaseStatus::Closed, 45),
        ]);
        let early_closure = target == CaseStatus::Closed && rng.chance(20);
        let mut path: Vec<(CaseStatus, NaiveDateTime)> = vec![(CaseStatus::Intercepted, intercepted_at)];
        let mut at = intercepted_at;
        let mut step = |rng: &mut Rng, status: CaseStatus, min_days: u64, max_days: u64, path: &mut Vec<_>| {
            let next = at + Duration::days((min_days + rng.below(max_days - min_days + 1)) as i64) + Duration::hours(1);
            if next < now {
                at = next;
                path.push((status, next));
                true
            } else {
                false
            }
        };
        let reached = target != CaseStatus::Intercepted && step(rng, CaseStatus::Screening, 0, 3, &mut path);
        if reached && early_closure {
            step(rng, CaseStatus::Closed, 1, 20, &mut path);
        } else if reached && target != CaseStatus::Screening && step(rng, CaseStatus::TakenInCharge, 0, 20, &mut path) {
            match target {
                CaseStatus::Suspended => {
                    step(rng, CaseStatus::Suspended, 10, 60, &mut path);
                }
                CaseStatus::Closed => {
                    step(rng, CaseStatus::Closed, 30, 300, &mut path);
                }
                _ => {}
            }
        }
        let (status, status_since) = path[path.len() - 1];
        let taken = path.iter().find(|(s, _)| *s == CaseStatus::TakenInCharge).map(|(_, t)| *t);
        let closed = status == CaseStatus::Closed;
        let outcome = closed.then(|| {
            if taken.is_some() {
                *rng.weighted(&[
                    (Outcome::RegularEmployment, 30),
                    (Outcome::TrainingCompleted, 15),
                    (Outcome::DocumentsRegularised, 15),
                    (Outcome::PermitObtained, 10),
                    (Outcome::TransferredToAntiTrafficking, 5),
                    (Outcome::LostContact, 15),
                    (Outcome::MovedAway, 5),
                    (Outcome::Declined, 5),
                ])
            } else {
                *rng.pick(&[Outcome::NotEligible, Outcome::Declined, Outcome::LostContact])
            }
        });
        let case = rng.id_at(intercepted_at);
        let channel = *rng.weighted(&[
            (Channel::StreetOutreach, 35),
            (Channel::AntiTraffickingDesk, 10),
            (Channel::FormalAntenna, 20),
            (Channel::AwarenessEvent, 8),
            (Channel::ServiceReferral, 12),
            (Channel::SelfReferral, 8),
            (Channel::WordOfMouth, 7),
        ]);
        let profile = taken.map(|_| {
            *rng.weighted(&[(Profile::GreyWork, 50), (Profile::RecentArrival, 35), (Profile::ExploitationVictim, 15)])
        });
        let mut needs: Vec<Need> = (0..1 + rng.below(3)).map(|_| *rng.pick(Need::ALL)).collect();
        needs.sort();
        needs.dedup();
        let events = path
            .iter()
            .enumerate()
            .map(|(i, (to, effective))| {
                let (kind, from) =
                    if i == 0 { (EventKind::Interception, None) } else { (EventKind::Transition, Some(path[i - 1].0)) };
                SeedCaseEvent {
                    id: rng.id_at(*effective),
                    kind,
                    from,
                    to: *to,
                    effective_at: *effective,
                    actor_id: worker,
                    actor_role: Role::CaseWorker,
                }
            })
            .collect();
        batch.cases.push(SeedCase {
            id: case,
            beneficiary_id: person,
            district: district.clone(),
            channel,
            intercepted_at,
            intercepting_organization_id: region,
            recorded_by: worker,
            status,
            status_since,
            taken_in_charge_at: taken,
            profile,
            work_contract: taken.map(|_| Contract::Irregular),
            case_worker_id: taken.map(|_| worker),
            outcome,
            closure_summary: outcome.map(|_| "Percorso concluso".to_string()),
            version: path.len() as i32 + 1,
            needs,
            events,
        });
        if path.len() > 1 {
            for (kind, granted) in [(ConsentKind::PrivacyNotice, true), (ConsentKind::ResearchUse, !rng.chance(10))] {
                batch.consents.push(SeedConsent {
                    id: rng.id_at(intercepted_at),
                    beneficiary_id: person,
                    kind,
                    granted,
                    given_on: intercepted_at.date(),
                    method: ConsentMethod::Written,
                    language: "it".into(),
                    recorded_by: worker,
                    recorded_at: intercepted_at,
                });
            }
        }
        // Services: prevention and orientation from the interception on, the rest while in charge.
        let until =
            path.iter().find(|(s, _)| matches!(s, CaseStatus::Closed | CaseStatus::Suspended)).map_or(now, |p| p.1);
        let service_count = if taken.is_some() {
            1 + rng.below(6)
        } else if rng.chance(30) {
            1
        } else {
            0
        };
        for _ in 0..service_count {
            let (category, from) = match taken {
                Some(taken) => (*rng.pick(ServiceCategory::ALL), taken),
                None => (
                    *rng.pick(&[ServiceCategory::OrientationWork, ServiceCategory::PreventionIrregularWork]),
                    intercepted_at,
                ),
            };
            let span = (until - from).num_days().max(0) as u64;
            let on = (from + Duration::days(rng.below(span + 1) as i64)).min(now);
            batch.services.push(SeedService {
                id: rng.id_at(on),
                case_id: case,
                category,
                delivered_on: on.date(),
                duration_minutes: 30 + 15 * rng.below(8) as i32,
                delivered_by: region,
                operator_id: worker,
                recorded_by: worker,
                recorded_by_role: Role::CaseWorker,
                recorded_at: on,
            });
        }
        if let Some(taken) = taken
            && rng.chance(25)
            && !staff.partners.is_empty()
        {
            let created = (taken + Duration::days(1 + rng.below(10) as i64)).min(now);
            let final_status = *rng.weighted(&[
                (ReferralStatus::Completed, 40),
                (ReferralStatus::Accepted, 20),
                (ReferralStatus::Declined, 15),
                (ReferralStatus::Sent, 10),
                (ReferralStatus::Failed, 10),
                (ReferralStatus::Proposed, 5),
            ]);
            let steps: &[ReferralStatus] = match final_status {
                ReferralStatus::Proposed => &[ReferralStatus::Proposed],
                ReferralStatus::Sent => &[ReferralStatus::Proposed, ReferralStatus::Sent],
                ReferralStatus::Declined => &[ReferralStatus::Proposed, ReferralStatus::Sent, ReferralStatus::Declined],
                ReferralStatus::Accepted => &[ReferralStatus::Proposed, ReferralStatus::Sent, ReferralStatus::Accepted],
                other => &[ReferralStatus::Proposed, ReferralStatus::Sent, ReferralStatus::Accepted, other],
            };
            let referral = rng.id_at(created);
            let partner = *rng.pick(&staff.partners);
            let category = *rng.pick(&[
                ServiceCategory::JobPlacement,
                ServiceCategory::Training,
                ServiceCategory::OrientationHousing,
            ]);
            let events = steps
                .iter()
                .enumerate()
                .map(|(i, to)| SeedReferralEvent {
                    id: rng.id_at(created),
                    from: (i > 0).then(|| steps[i - 1]),
                    to: *to,
                    actor_id: worker,
                    actor_role: Role::CaseWorker,
                    actor_organization_id: region,
                    at: created,
                })
                .collect();
            batch.referrals.push(SeedReferral {
                id: referral,
                case_id: case,
                district: district.clone(),
                to_organization_id: partner,
                category,
                reason: "Presa in carico per il percorso".into(),
                status: final_status,
                created_by: worker,
                created_at: created,
                sent_at: (steps.len() > 1).then_some(created),
                events,
            });
        }
        if taken.is_some() && rng.chance(40) {
            batch.notes.push(SeedNote {
                id: rng.id_at(status_since),
                case_id: case,
                body: "Colloquio di aggiornamento: documenti in corso.".into(),
                confidentiality: Confidentiality::Team,
                author_id: coordinator,
                author_role: Role::DistrictCoordinator,
                created_at: status_since,
            });
        }
    }
    batch
}
