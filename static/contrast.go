package static

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// WCAG 2.x contrast: text needs 4.5:1 against what is behind it (1.4.3), and the parts
// of a control such as the progress bar need 3:1 against what is next to them
// (1.4.11). A shop's accent colour is used for the bar, links and the button's
// background, so it is made to pass both, against the card in light and in dark
// mode: darkened (light mode) or lightened (dark mode) just enough.

// rgb is a colour of the page, 0–255 per channel.
type rgb struct{ r, g, b uint8 }

// The card's colours and the inside of the progress track, as waiting.css sets them
// (--card, --line); TestCSSContrast holds the two to the same values.
var (
	lightCard  = rgb{0xff, 0xff, 0xff}
	lightTrack = rgb{0xe5, 0xe7, 0xeb}
	darkCard   = rgb{0x15, 0x1b, 0x26}
	darkTrack  = rgb{0x2b, 0x34, 0x44}
	darkText   = rgb{0x0b, 0x0f, 0x17} // --on-accent in dark mode
)

const (
	minTextContrast    = 4.5
	minControlContrast = 3.0
)

// parseColor reads "#rgb" or "#rrggbb", in any case.
func parseColor(s string) (rgb, error) {
	h, ok := strings.CutPrefix(s, "#")
	if ok && len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if !ok || len(h) != 6 || err != nil {
		return rgb{}, fmt.Errorf(`must be a colour like "#1d4ed8" or "#c00", got %q`, s)
	}
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

func (c rgb) String() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

// luminance is WCAG's relative luminance.
func (c rgb) luminance() float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is WCAG's contrast ratio of a and b, 1 to 21.
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// mix moves c towards target by t, 0 to 1.
func mix(c, target rgb, t float64) rgb {
	m := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t)) }
	return rgb{m(c.r, target.r), m(c.g, target.g), m(c.b, target.b)}
}

// readableOn returns c, or c moved towards black or white in small steps until it has
// at least the text contrast against each of backgrounds and the control contrast
// against track: the least change that passes.
func readableOn(c, toward, track rgb, backgrounds ...rgb) rgb {
	for step := 0; step <= 100; step++ {
		m := mix(c, toward, float64(step)/100)
		ok := contrast(m, track) >= minControlContrast
		for _, bg := range backgrounds {
			ok = ok && contrast(m, bg) >= minTextContrast
		}
		if ok {
			return m
		}
	}
	return toward
}

// accentColors returns the accent for light and for dark mode from a shop's colour.
// Light: on the white card, with white text on it (the button). Dark: on the dark
// card, with dark text on it.
func accentColors(c rgb) (light, dark rgb) {
	light = readableOn(c, rgb{}, lightTrack, lightCard)
	dark = readableOn(c, rgb{0xff, 0xff, 0xff}, darkTrack, darkCard, darkText)
	return light, dark
}
