// Package static holds anteroom's waiting-room page: the HTML the gateway serves to
// shoppers who wait in line, its stylesheet and its script. Everything is embedded in
// the binary, parsed once at start-up and served from memory; the page loads nothing
// from anywhere else (no fonts, no CDNs, no third parties) and weighs a few kilobytes.
//
// The page works without JavaScript: a meta refresh inside <noscript> reloads it every
// PollAfterMS, the gateway renders it again, and once the shopper is admitted the
// gateway serves the shop at the same URL. With JavaScript, waiting.js polls
// StatusURL instead (with ±20% jitter, backing off to 60 s on errors), updates the page
// in place and goes to Redirect when the shopper is admitted. Once the room is closed,
// which is final, neither reloads nor polls any more; while it is sold out, the script
// asks every 30 s at most, since stock comes back only as holds expire. When the status
// shows that the shopper holds no ticket (waiting with no position, or a countdown that
// ran out and then started again, which was the count to the pre-queue's start), the
// script reloads the page so that the gateway hands one out. The script reads its
// starting state from data-* attributes, so neither the page nor the script needs
// inline code or inline styles: a strict Content-Security-Policy of
// "default-src 'self'" holds.
//
// The assets are served at /.anteroom/assets/<name> (see [Asset]); the page links them
// with a ?v=<hash> query, so they may be cached for a long time.
//
// # Custom templates
//
// A room may use its own page (page.template in the config): an html/template file,
// loaded and checked with [ParseTemplate] and rendered with [RenderWith].
// templates/example-custom.html in the source tree is a working starting point. The
// template is executed with a [PageData] value, so it can use these fields:
//
//	.Title           the room's page title (page.title), e.g. "PS5 drop"; "Waiting room" if unset
//	.Room            the room's name from the config
//	.State           one of "prequeue", "waiting", "admitted", "sold_out", "closed",
//	                 "paused" or "unavailable" (the queue service is down; say so honestly)
//	.Position        the shopper's place in line: people still ahead + 1; 0 when unknown
//	.Ahead           people ahead of the shopper who are still waiting
//	.Ticket          the ticket's number, which never changes: show it small and labelled
//	.ETALow          lower end of the estimated wait, in seconds
//	.ETAHigh         upper end of the estimated wait; both 0 means unknown
//	.Progress        0–100: how far through the line the shopper has come since joining
//	.PollAfterMS     milliseconds until the page should ask again (at least 1000)
//	.OpensInSeconds  seconds until the sale opens (pre-queue countdown); 0 when open
//	.Redirect        where an admitted shopper goes: always a same-site path such as "/ps5"
//	.StatusURL       the status endpoint the script polls, "/.anteroom/status"
//	.Message         extra text from the gateway, e.g. why the line is not moving; may be
//	                 empty; the engine's own messages are given in the page's language
//	.MessageCount    the number in .Message, when it has one (the purchase limit); else 0
//	.Text            the page's language and words (use the functions below)
//	.Notice          page.message: one line of plain text from the shop; may be empty
//	.HomeURL         page.home_url: the shop's home, an http(s) URL; may be empty
//	.Logo            page.logo_file as a data: URI for <img src>; may be empty
//	.Style           page.accent_color as a <style> element for <head>; may be empty
//
// Before a template sees them, values are made safe and consistent: an empty State
// becomes "waiting" and an unknown one "unavailable"; Progress is clamped to 0–100;
// PollAfterMS of 0 becomes 5000; ETALow ≤ ETAHigh; and a Redirect or StatusURL that is
// not a path on this site ("//evil.example", "https://…", "javascript:…") is replaced
// by "/" and "/.anteroom/status".
//
// Templates can also call these functions:
//
//	comma N          a count with thousands separators: 1234 → "1,234"
//	eta LO HI        an ETA range in words: "about 3–5 minutes", "less than a minute",
//	                 or "We'll update this as the line moves" when unknown
//	clock SECONDS    a countdown as hh:mm:ss: 3723 → "01:02:03"
//	seconds MS       milliseconds rounded up to whole seconds, e.g. for a meta refresh
//	asset NAME       the versioned URL of a built-in asset: "waiting.css" or "waiting.js"
//	live .           the attributes (id="anteroom" data-…) that hand the page's state to
//	                 waiting.js; put it on one element, such as <main {{live .}}>
//	show .State "S…" data-show="S…", plus hidden unless .State is one of the
//	                 space-separated states S…
//	title .          the tab's title: "(12) PS5 drop" while the shopper has a place
//
// and these, in the page's language (.Text: chosen by Accept-Language, or fixed by
// page.language, with page.strings applied; English when unset):
//
//	t . "KEY"        the text KEY of static/lang/en.json, e.g. {{t . "waiting_h"}}
//	num . N          a count: "1,234", "1.234", "١٬٢٣٤"
//	wait .           the ETA range in words: "about 3–5 minutes", "etwa 3–5 Minuten"
//	pct .            Progress as a percentage: "42%", "42 %", "%42"
//	countdown .      OpensInSeconds as hh:mm:ss in the language's digits
//	lang ., dir .    for <html lang="{{lang .}}" dir="{{dir .}}">: "ar" and "rtl"
//
// # Live updates
//
// To keep a custom page updating without reloads, link {{asset "waiting.js"}} and put
// {{live .}} on one element. The script then looks for these markers anywhere in the
// document and keeps them current:
//
//	data-show="waiting paused"  shown only in the listed states (use the show function)
//	data-need="position"        hidden while the position is 0 (unknown)
//	data-field="position"       text: the place in line, "1,234" (people ahead + 1)
//	data-field="ahead"          text: people ahead, "1,233"
//	data-field="ticket"         text: the ticket's number
//	data-field="say"            text: what a screen reader is told (see below)
//	data-field="eta"            text: the ETA range in words, as eta prints it
//	data-field="percent"        text: progress, "42%"
//	data-field="countdown"      text: time until opening, "00:12:34", ticking each second
//	data-field="message"        text: the gateway's Message; hidden when empty
//	data-field="net"            shown while the status endpoint cannot be reached
//	<progress data-field="progress">  value: Progress
//	<a data-field="redirect">         href: Redirect
//
// The script writes numbers and waits in the page's language (live carries what it
// needs) and keeps the tab's title leading with the place. Do not wrap the figures
// in aria-live: a screen reader would hear every poll. Give the script a small live
// region, <p class="sr" aria-live="polite" aria-atomic="true" data-field="say"></p>;
// it speaks there only of a new state, a move of a tenth or more since it last
// spoke, or a wait that now reads differently. Keep the countdown outside any live
// region (it changes every second).
package static
