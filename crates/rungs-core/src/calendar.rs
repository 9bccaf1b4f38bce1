//! The organization's calendar: the IANA time zone (e.g. `Europe/Berlin`) in which
//! its days begin and end. Cycles' windows and proposals' and promotions' effective
//! dates are days of this calendar; an effective-date job runs at the zone's
//! midnight. Pure: the clock is always a parameter (docs/WORKFLOWS.md).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ValidationError;
use crate::store::StoreResult;

/// The organization's time zone, as the API reads and writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgTimeZone {
    /// An IANA time zone name, e.g. `Europe/Berlin`, `America/New_York` or `UTC`
    /// (the default while none is set).
    #[schema(example = "Europe/Berlin", min_length = 1, max_length = 64)]
    pub time_zone: String,
}

/// The calendar of an organization: its zone. `UTC` until the people team sets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub tz: Tz,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar { tz: Tz::UTC }
    }
}

impl Calendar {
    /// Parse an IANA name; the error names `time_zone`.
    pub fn parse(name: &str) -> Result<Calendar, ValidationError> {
        let name = name.trim();
        match name.parse::<Tz>() {
            Ok(tz) if !name.is_empty() => Ok(Calendar { tz }),
            _ => Err(ValidationError::single("time_zone", "must be an IANA time zone such as Europe/Berlin, America/New_York or UTC")),
        }
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &'static str {
        self.tz.name()
    }

    /// The day it is at `now` in this zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    /// The instant `day` begins in this zone: local midnight, or, where a daylight
    /// saving change skips midnight (e.g. America/Havana, America/Santiago), the first
    /// local instant of the day that exists.
    pub fn midnight(&self, day: NaiveDate) -> DateTime<Utc> {
        let start = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        (0..=180)
            .step_by(15)
            .find_map(|m| self.tz.from_local_datetime(&(start + chrono::Duration::minutes(m))).earliest())
            .map_or_else(|| start.and_utc(), |t| t.with_timezone(&Utc))
    }
}

/// Every IANA zone name the time zone database knows, for pickers.
pub fn zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

/// Storage of the organization's calendar; every backend provides it.
#[async_trait::async_trait]
pub trait CalendarStore {
    /// The time zone saved for `org` (`None`: never set, i.e. UTC).
    async fn org_time_zone(&self, org: crate::OrgId) -> StoreResult<Option<String>>;
    /// Save the time zone of `org` (an IANA name checked by [`Calendar::parse`]).
    async fn save_org_time_zone(&self, org: crate::OrgId, time_zone: &str) -> StoreResult<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn today_is_the_zones_day_around_midnight() {
        let auckland = Calendar::parse("Pacific/Auckland").unwrap();
        let la = Calendar::parse("America/Los_Angeles").unwrap();
        // 2027-01-10 10:59 UTC is 23:59 on the 10th in Auckland (UTC+13 in summer)...
        assert_eq!(auckland.today(at("2027-01-10T10:59:00Z")).to_string(), "2027-01-10");
        // ...and a minute later it is the 11th there, still the 10th in UTC.
        assert_eq!(auckland.today(at("2027-01-10T11:00:00Z")).to_string(), "2027-01-11");
        assert_eq!(Calendar::default().today(at("2027-01-10T11:00:00Z")).to_string(), "2027-01-10");
        // Los Angeles (UTC-8 in winter) is still on the 9th at 07:59 UTC on the 10th.
        assert_eq!(la.today(at("2027-01-10T07:59:00Z")).to_string(), "2027-01-09");
        assert_eq!(la.today(at("2027-01-10T08:00:00Z")).to_string(), "2027-01-10");
    }

    #[test]
    fn midnight_is_the_zones_and_skips_a_missing_one() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(Calendar::parse("Pacific/Auckland").unwrap().midnight(day("2027-01-11")), at("2027-01-10T11:00:00Z"));
        assert_eq!(Calendar::parse("Europe/Berlin").unwrap().midnight(day("2027-07-01")), at("2027-06-30T22:00:00Z"));
        assert_eq!(Calendar::default().midnight(day("2027-07-01")), at("2027-07-01T00:00:00Z"));
        // Havana moves its clocks from 00:00 to 01:00 on the second Sunday of March.
        let havana = Calendar::parse("America/Havana").unwrap();
        let m = havana.midnight(day("2027-03-14"));
        assert_eq!(havana.today(m).to_string(), "2027-03-14");
        assert_eq!(m, at("2027-03-14T05:00:00Z"), "01:00 CDT, the first instant of the day");
    }

    #[test]
    fn an_unknown_zone_is_refused_naming_the_field() {
        for bad in ["", "Mars/Olympus", "CEST+1", " "] {
            let e = Calendar::parse(bad).unwrap_err();
            assert_eq!(e.errors[0].field, "time_zone", "{bad:?}");
        }
        assert_eq!(Calendar::parse(" Europe/Berlin ").unwrap().name(), "Europe/Berlin");
    }
}
