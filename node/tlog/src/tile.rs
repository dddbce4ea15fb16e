//! Tiles in the c2sp.org/tlog-tiles layout: a tile is 256 consecutive hashes at one *tile
//! level*. Tile level 0 holds leaf hashes; each hash of tile level `L` is the root of a full tile
//! of level `L - 1`, so it is a tree node at tree level `8 L`. The levels between are hashed
//! again from the tile when needed. Paths: `tile/<L>/<N>[.p/<W>]` for hashes and
//! `tile/entries/<N>[.p/<W>]` for entry bundles, with `<N>` in zero-padded 3-digit path
//! elements, all but the last prefixed with `x` (`1234067` is `x001/x234/067`).

use std::fmt;

/// Hashes in a full tile.
pub const TILE_WIDTH: u64 = 256;

/// Tree levels per tile level: a tile spans a subtree of height 8.
pub const TILE_HEIGHT: u32 = 8;

/// The highest tile level a path may name (the spec's bound).
pub const MAX_TILE_LEVEL: u8 = 63;

/// A hash tile: its tile level and its index within that level.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TileId {
    /// The tile level (0: leaf hashes).
    pub level: u8,
    /// The index of the tile within its level.
    pub index: u64,
}

/// How many hashes a tile of `level` holds in a tree of `tree_size` leaves: 256 for a full tile,
/// fewer for the partial tile at the right edge, 0 for a tile beyond the tree.
pub fn tile_width_in_tree(tile: TileId, tree_size: u64) -> u64 {
    let hashes_at_level = hashes_at_tile_level(tree_size, tile.level);
    let first = tile.index.saturating_mul(TILE_WIDTH);
    hashes_at_level.saturating_sub(first).min(TILE_WIDTH)
}

/// How many complete hashes tile level `level` has in a tree of `tree_size` leaves:
/// `floor(tree_size / 256^level)`.
pub fn hashes_at_tile_level(tree_size: u64, level: u8) -> u64 {
    let shift = u32::from(level) * TILE_HEIGHT;
    if shift >= u64::BITS {
        0
    } else {
        tree_size >> shift
    }
}

/// The width a request names: a full tile, or a partial one of 1 to 255 hashes (or entries).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TileWidth {
    /// 256 hashes.
    Full,
    /// A partial tile of this many hashes (1..=255).
    Partial(u8),
}

impl TileWidth {
    /// The number of hashes or entries.
    pub fn count(self) -> u64 {
        match self {
            TileWidth::Full => TILE_WIDTH,
            TileWidth::Partial(width) => u64::from(width),
        }
    }

    /// The width of a tile holding `count` hashes (1..=256), or `None` for 0 or more than 256.
    pub fn of_count(count: u64) -> Option<TileWidth> {
        match count {
            TILE_WIDTH => Some(TileWidth::Full),
            1..TILE_WIDTH => u8::try_from(count).ok().map(TileWidth::Partial),
            _ => None,
        }
    }
}

/// A resource of the tlog-tiles read API below `<prefix>/`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TileRequest {
    /// `tile/<L>/<N>[.p/<W>]`: hashes.
    Hashes {
        /// Which tile.
        tile: TileId,
        /// Full or partial.
        width: TileWidth,
    },
    /// `tile/entries/<N>[.p/<W>]`: the entries hashed into level-0 tile `<N>`.
    Entries {
        /// The index of the bundle (the level-0 tile it matches).
        index: u64,
        /// Full or partial.
        width: TileWidth,
    },
}

/// Why a path is not a tile path. Every one of them is a "404" to the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TilePathError {
    /// The path does not start with `tile/`.
    #[error("a tile path starts with tile/")]
    NotATilePath,
    /// The level is not a decimal 0..=63 without leading zeroes, nor `entries`.
    #[error("the tile level {0:?} is not a decimal from 0 to 63 without leading zeroes")]
    BadLevel(String),
    /// The index's path elements are not 3 digits, `x`-prefixed except the last, without
    /// superfluous leading elements.
    #[error("the tile index {0:?} is not in x-prefixed 3-digit path elements")]
    BadIndex(String),
    /// The index does not fit 64 bits.
    #[error("the tile index is too large")]
    IndexTooLarge,
    /// The partial width is not a decimal 1..=255 without leading zeroes.
    #[error("the partial width {0:?} is not a decimal from 1 to 255 without leading zeroes")]
    BadWidth(String),
}

impl TileRequest {
    /// Parses a path relative to the log's prefix, such as `tile/0/x001/234.p/7`.
    pub fn parse_path(path: &str) -> Result<TileRequest, TilePathError> {
        let rest = path
            .strip_prefix("tile/")
            .ok_or(TilePathError::NotATilePath)?;
        let (level_text, rest) = rest.split_once('/').ok_or(TilePathError::NotATilePath)?;
        let (index_text, width) = match rest.split_once(".p/") {
            Some((index_text, width_text)) => (index_text, parse_partial_width(width_text)?),
            None => (rest, TileWidth::Full),
        };
        let index = parse_index(index_text)?;
        if level_text == "entries" {
            return Ok(TileRequest::Entries { index, width });
        }
        let level = parse_level(level_text)?;
        Ok(TileRequest::Hashes {
            tile: TileId { level, index },
            width,
        })
    }

    /// The path of this resource relative to the log's prefix.
    pub fn path(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for TileRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (level, index, width) = match *self {
            TileRequest::Hashes { tile, width } => (tile.level.to_string(), tile.index, width),
            TileRequest::Entries { index, width } => ("entries".to_owned(), index, width),
        };
        write!(f, "tile/{level}/{}", index_path(index))?;
        if let TileWidth::Partial(width) = width {
            write!(f, ".p/{width}")?;
        }
        Ok(())
    }
}

/// `<N>` as zero-padded 3-digit path elements, all but the last prefixed with `x`.
pub fn index_path(index: u64) -> String {
    let mut groups = vec![index % 1000];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let last = groups.len() - 1;
    groups
        .iter()
        .rev()
        .enumerate()
        .map(|(position, group)| {
            if position < last {
                format!("x{group:03}")
            } else {
                format!("{group:03}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_decimal_without_leading_zero(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

fn parse_level(text: &str) -> Result<u8, TilePathError> {
    let bad = || TilePathError::BadLevel(text.to_owned());
    if !is_decimal_without_leading_zero(text) || text.len() > 2 {
        return Err(bad());
    }
    let level: u8 = text.parse().map_err(|_| bad())?;
    if level > MAX_TILE_LEVEL {
        return Err(bad());
    }
    Ok(level)
}

fn parse_partial_width(text: &str) -> Result<TileWidth, TilePathError> {
    let bad = || TilePathError::BadWidth(text.to_owned());
    if !is_decimal_without_leading_zero(text) || text.len() > 3 || text == "0" {
        return Err(bad());
    }
    let width: u8 = text.parse().map_err(|_| bad())?;
    Ok(TileWidth::Partial(width))
}

fn parse_index(text: &str) -> Result<u64, TilePathError> {
    let bad = || TilePathError::BadIndex(text.to_owned());
    let elements: Vec<&str> = text.split('/').collect();
    let last = elements.len() - 1;
    let mut index: u64 = 0;
    for (position, element) in elements.iter().enumerate() {
        let digits = if position < last {
            element.strip_prefix('x').ok_or_else(bad)?
        } else {
            element
        };
        if digits.len() != 3 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(bad());
        }
        // A leading element of 000 would give the same index a second path.
        if position == 0 && position < last && digits == "000" {
            return Err(bad());
        }
        let group: u64 = digits.parse().map_err(|_| bad())?;
        index = index
            .checked_mul(1000)
            .and_then(|index| index.checked_add(group))
            .ok_or(TilePathError::IndexTooLarge)?;
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_example_index_is_encoded_as_it_says() {
        // c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
        assert_eq!(index_path(1_234_067), "x001/x234/067");
        assert_eq!(index_path(0), "000");
        assert_eq!(index_path(1000), "x001/000");
    }

    #[test]
    fn the_specs_tree_of_70000_has_the_tiles_it_lists() {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
        // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
        // 17, and one partial level 2 tile of width 1."
        let size = 70_000;
        let width = |level, index| tile_width_in_tree(TileId { level, index }, size);
        assert_eq!(width(0, 272), 256);
        assert_eq!(width(0, 273), 112);
        assert_eq!(width(0, 274), 0);
        assert_eq!(width(1, 0), 256);
        assert_eq!(width(1, 1), 17);
        assert_eq!(width(2, 0), 1);
        assert_eq!(width(3, 0), 0);
        // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
        // tile of width 1."
        assert_eq!(tile_width_in_tree(TileId { level: 0, index: 0 }, 256), 256);
        assert_eq!(tile_width_in_tree(TileId { level: 1, index: 0 }, 256), 1);
    }
}
