package config

import (
	"sort"

	"github.com/anteroom/anteroom/static"
)

// validate checks a room's page keys; p is the room's path.
func (pg *Page) validate(v *validator, p string) {
	if pg.Language != "" {
		if err := static.CheckLanguage(pg.Language); err != nil {
			v.add(p+".page.language", "%v", err)
		}
	}
	if pg.LogoFile != "" {
		if _, err := static.LoadLogo(pg.LogoFile); err != nil {
			v.add(p+".page.logo_file", "%v", err)
		}
	}
	if pg.AccentColor != "" {
		if err := static.CheckAccent(pg.AccentColor); err != nil {
			v.add(p+".page.accent_color", "%v", err)
		}
	}
	if err := static.CheckNotice(pg.Message); err != nil {
		v.add(p+".page.message", "%v", err)
	}
	if pg.HomeURL != "" {
		if err := static.CheckHomeURL(pg.HomeURL); err != nil {
			v.add(p+".page.home_url", "%v", err)
		}
	}
	for _, lang := range sortedKeys(pg.Strings) {
		lp := p + ".page.strings." + lang
		if err := static.CheckLanguage(lang); err != nil {
			v.add(lp, "%v", err)
			continue
		}
		for _, key := range sortedKeys(pg.Strings[lang]) {
			if err := static.CheckText(key, pg.Strings[lang][key]); err != nil {
				v.add(lp+"."+key, "%v", err)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
