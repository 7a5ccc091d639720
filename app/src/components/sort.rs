//! How table rows order and page: shared by the tables the server renders (`table`) and the
//! island that sorts and pages them in the browser (`islands::table_sort`).

/// What a cell sorts by.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum SortKey {
    Number(f64),
    Text(String),
    /// Empty values ("—") sort last either way.
    None,
}

/// How two cells order: by their keys, reversed when descending, empty values last either way.
pub fn compare_keys(a: &SortKey, b: &SortKey, descending: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (SortKey::None, SortKey::None) => Ordering::Equal,
        (SortKey::None, _) => Ordering::Greater,
        (_, SortKey::None) => Ordering::Less,
        _ => {
            let o = a.partial_cmp(b).unwrap_or(Ordering::Equal);
            if descending {
                o.reverse()
            } else {
                o
            }
        }
    }
}

/// Rows on one page of a table (sorting always covers every row).
pub const PAGE_ROWS: usize = 50;
