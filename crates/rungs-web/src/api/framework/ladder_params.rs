//! The query of the ladder imports (`/framework/matrix`, `/framework/markdown`): read
//! from the raw pairs because `same` and `different` repeat, one per confirmed pair.

use rungs_core::ValidationError;
use rungs_core::framework::drift::{Confirmations, Decision};
use rungs_core::framework::ladder::Mapping;
use utoipa::IntoParams;

#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LadderParams {
    /// The track whose levels the file's columns or headings are (by level key or
    /// title), created when it does not exist. Default: for a CSV matrix a new track
    /// named after `file`; for a Markdown ladder the track its single top `#` heading
    /// names.
    pub track: Option<String>,
    /// `true` to save a new framework version; otherwise only a preview.
    #[param(pattern = "^(true|false)$")]
    pub commit: Option<String>,
    /// The file's name, used in error messages.
    pub file: Option<String>,
    /// A pair the preview flagged in `drift`, confirmed to be one competency:
    /// `Name=Other name`. Repeat for each pair; they are merged under the first name.
    pub same: Option<Vec<String>>,
    /// A flagged pair confirmed to be two competencies, `Name=Other name`; repeat for
    /// each pair. `*` answers every pair not answered otherwise.
    pub different: Option<Vec<String>>,
    /// What a column of a CSV matrix holds, `Header=role` (role: `level`,
    /// `competency`, `category`, `description` or `ignore`); repeat for each column.
    pub map: Option<Vec<String>>,
}

impl LadderParams {
    /// Collect the query; a repeated `track`, `commit` or `file` keeps the last value.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut p = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "track" => p.track = Some(v),
                "commit" => p.commit = Some(v),
                "file" => p.file = Some(v),
                "same" => p.same.get_or_insert_with(Vec::new).push(v),
                "different" => p.different.get_or_insert_with(Vec::new).push(v),
                "map" => p.map.get_or_insert_with(Vec::new).push(v),
                _ => {}
            }
        }
        p
    }

    pub fn commit(&self) -> Result<bool, ValidationError> {
        super::commit_flag(self.commit.as_deref())
    }

    pub fn track(&self) -> Option<&str> {
        self.track.as_deref().filter(|t| !t.is_empty())
    }

    /// The column mapping; every item that is not `Header=role` is refused.
    pub fn mapping(&self) -> Result<Mapping, ValidationError> {
        Mapping::parse("map", self.map.iter().flatten().map(String::as_str))
    }

    pub fn confirmations(&self) -> Confirmations {
        let mut c = Confirmations::default();
        for (decision, pairs) in [(Decision::Same, &self.same), (Decision::Different, &self.different)] {
            for pair in pairs.iter().flatten() {
                c.add(decision, pair.clone());
            }
        }
        c
    }
}
