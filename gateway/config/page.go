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
