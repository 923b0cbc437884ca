package gateway

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/static"
)

// roomPage is what a room's waiting page is made of, built from its page keys when
// the configuration is loaded or reloaded, so that a bad template or logo refuses
// the file instead of failing a shopper.
type roomPage struct {
	tmpl *template.Template // nil: the built-in page
	// texts are the page's words in every language, with the room's overrides.
	texts *static.Texts
	// The room's look (page.logo_file, page.accent_color), and the page's CSP,
	// which allows the accent's <style> by its hash.
	logo  template.URL
	style template.HTML
	csp   string
}

// loadPage builds room rc's page.
func loadPage(rc config.Room) (*roomPage, error) {
	texts, err := static.NewTexts(rc.Page.Language, rc.Page.Strings)
	if err != nil {
		return nil, fmt.Errorf("rooms %s: %w", rc.Name, err)
	}
	p := &roomPage{texts: texts, csp: pageCSP}
	if rc.Page.LogoFile != "" {
		if p.logo, err = static.LoadLogo(rc.Page.LogoFile); err != nil {
			return nil, fmt.Errorf("rooms %s: page: %w", rc.Name, err)
		}
	}
	if rc.Page.AccentColor != "" {
		var src string
		if p.style, src, err = static.AccentStyle(rc.Page.AccentColor); err != nil {
			return nil, fmt.Errorf("rooms %s: page accent_color: %w", rc.Name, err)
		}
		p.csp = strings.Replace(pageCSP, "style-src 'self'", "style-src 'self' "+src, 1)
	}
	if rc.Page.Template != "" {
		if p.tmpl, err = static.ParseTemplate(rc.Page.Template); err != nil {
			return nil, fmt.Errorf("rooms %s: page template: %w", rc.Name, err)
		}
	}
	return p, nil
}
