//! The font families the `html` originals are printed in: Debian packages whose fonts cover
//! Vietnamese (checked with `fc-query`: `vi` in their languages), referenced by absolute path in
//! `@font-face` so that Chromium never falls back to another font unseen.
//!
//! Not DejaVu (the `drawn` generator's font). No handwriting font in Debian covers Vietnamese
//! (Comic Neue, Dancing Script, DKG handwriting, Breip, Humor Sans all lack ễ, ự, ặ …): values
//! written by hand are drawn in an italic with jittered letters instead (see `templates`).

use std::path::Path;

/// One family, regular, bold and italic.
#[derive(Debug, Clone)]
pub(crate) struct Font {
    /// The name originals carry in [`crate::originals::Original::font`].
    pub(crate) name: &'static str,
    regular: &'static str,
    bold: &'static str,
    italic: &'static str,
    package: &'static str,
}

/// Two serifs, a sans, a condensed sans and a typewriter face.
const FONTS: [Font; 5] = [
    Font {
        name: "liberation-serif",
        regular: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        bold: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
        italic: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
        package: "fonts-liberation2",
    },
    Font {
        name: "free-serif",
        regular: "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
        bold: "/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf",
        italic: "/usr/share/fonts/truetype/freefont/FreeSerifItalic.ttf",
        package: "fonts-freefont-ttf",
    },
    Font {
        name: "liberation-sans",
        regular: "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        bold: "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
        italic: "/usr/share/fonts/truetype/liberation2/LiberationSans-Italic.ttf",
        package: "fonts-liberation2",
    },
    Font {
        name: "roboto-condensed",
        regular: "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Regular.ttf",
        bold: "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
        italic: "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Italic.ttf",
        package: "fonts-roboto-unhinted",
    },
    Font {
        name: "free-mono",
        regular: "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
        bold: "/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf",
        italic: "/usr/share/fonts/truetype/freefont/FreeMonoOblique.ttf",
        package: "fonts-freefont-ttf",
    },
];

/// The italic values written "by hand" are drawn in.
const HAND: (&str, &str) = (
    "/usr/share/fonts/truetype/freefont/FreeSerifItalic.ttf",
    "fonts-freefont-ttf",
);

impl Font {
    /// Every family, after checking that its files are installed.
    pub(crate) fn all() -> anyhow::Result<Vec<Font>> {
        for font in &FONTS {
            for file in [font.regular, font.bold, font.italic] {
                require(file, font.package)?;
            }
        }
        require(HAND.0, HAND.1)?;
        Ok(FONTS.to_vec())
    }

    /// The `@font-face` rules: `Doc` is this family, `Hand` the handwriting italic.
    pub(crate) fn css(&self) -> String {
        format!(
            "@font-face{{font-family:\"Doc\";font-weight:400;font-style:normal;src:url(\"file://{}\");}}\n\
             @font-face{{font-family:\"Doc\";font-weight:700;font-style:normal;src:url(\"file://{}\");}}\n\
             @font-face{{font-family:\"Doc\";font-weight:400;font-style:italic;src:url(\"file://{}\");}}\n\
             @font-face{{font-family:\"Hand\";src:url(\"file://{}\");}}\n",
            self.regular, self.bold, self.italic, HAND.0
        )
    }
}

fn require(file: &str, package: &str) -> anyhow::Result<()> {
    if Path::new(file).is_file() {
        Ok(())
    } else {
        anyhow::bail!(
            "the font {file} is missing: install the Debian package {package} \
             (deploy/setup.sh installs it)"
        )
    }
}
