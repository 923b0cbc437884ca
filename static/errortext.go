package static

import (
	"slices"
	"sort"
	"strings"
)

// ErrorMessage is one of the gateway's own answers to a shopper (the shop is busy, a
// request was refused…). Callers name the message; its words come from lang/*.json
// in the shopper's language, under the key "err_" + its code.
type ErrorMessage uint8

// The gateway's own answers.
const (
	MsgRateLimited          ErrorMessage = iota // 429: one address sent too many requests
	MsgMalformed                                // 400
	MsgBodyTooLarge                             // 413
	MsgHeadersTooLarge                          // 431
	MsgRequestTimeout                           // 408
	MsgNotFound                                 // 404
	MsgMethodNotAllowed                         // 405
	MsgCrossSite                                // 403: /.anteroom/leave from another site
	MsgLeftLine                                 // 200: the shopper left the line
	MsgNotAdmitted                              // 503: a subresource asked for before admission
	MsgShopBusy                                 // 503: the origin limit or its connections are full
	MsgShopTimeout                              // 504
	MsgShopUnreachable                          // 502
	MsgPurchasesUnavailable                     // 503: no hold can be taken this moment
	MsgPurchaseFailed                           // 500: the purchase token could not be signed
	MsgPageFailed                               // 500: the waiting page could not be rendered
	numErrorMessages
)

// errorCodes are the messages' machine names: the "code" of a JSON answer, stable
// whatever the language, and the lang/*.json key after "err_".
var errorCodes = [numErrorMessages]string{
	MsgRateLimited:          "rate_limited",
	MsgMalformed:            "malformed",
	MsgBodyTooLarge:         "body_too_large",
	MsgHeadersTooLarge:      "headers_too_large",
	MsgRequestTimeout:       "request_timeout",
	MsgNotFound:             "not_found",
	MsgMethodNotAllowed:     "method_not_allowed",
	MsgCrossSite:            "cross_site",
	MsgLeftLine:             "left_line",
	MsgNotAdmitted:          "not_admitted",
	MsgShopBusy:             "shop_busy",
	MsgShopTimeout:          "shop_timeout",
	MsgShopUnreachable:      "shop_unreachable",
	MsgPurchasesUnavailable: "purchases_unavailable",
	MsgPurchaseFailed:       "purchase_failed",
	MsgPageFailed:           "page_failed",
}

// Code is the message's machine name, the same in every language: "shop_busy".
func (m ErrorMessage) Code() string {
	if m >= numErrorMessages {
		return "error"
	}
	return errorCodes[m]
}

// errorHeadings are the error page's titles by status: what happened, in a shopper's
// words. A status not listed takes errHeadingServer (5xx) or errHeadingOther.
var errorHeadings = map[int]string{
	200: "err_h_left_line",
	400: "err_h_bad_request",
	403: "err_h_forbidden",
	404: "err_h_not_found",
	405: "err_h_method",
	408: "err_h_timeout",
	409: "err_h_conflict",
	413: "err_h_too_large",
	431: "err_h_too_large",
	429: "err_h_slow_down",
	502: "err_h_unreachable",
	503: "err_h_busy",
	504: "err_h_shop_timeout",
}

const (
	errHeadingServer = "err_h_server"
	errHeadingOther  = "err_h_other"
)

// errorKeys are the error page's texts in lang/*.json: its label and link, the
// headings, then one per message.
var errorKeys = func() []string {
	var headings []string
	for _, k := range errorHeadings {
		if !slices.Contains(headings, k) {
			headings = append(headings, k)
		}
	}
	sort.Strings(headings)
	out := append([]string{"err_tag", "err_again", errHeadingServer, errHeadingOther}, headings...)
	for _, c := range errorCodes {
		out = append(out, "err_"+c)
	}
	return out
}()

// Indexes of the error page's texts in Text.words, found once.
var (
	keyTag        = keyIndex("tag")
	keyErrTag     = keyIndex("err_tag")
	keyErrAgain   = keyIndex("err_again")
	errMessageKey = func() (ix [numErrorMessages]int) {
		for m, c := range errorCodes {
			ix[m] = keyIndex("err_" + c)
		}
		return ix
	}()
	errHeadingKey = func() map[int]int {
		m := make(map[int]int, len(errorHeadings))
		for code, k := range errorHeadings {
			m[code] = keyIndex(k)
		}
		return m
	}()
	keyErrServer = keyIndex(errHeadingServer)
	keyErrOther  = keyIndex(errHeadingOther)
)

// textOrEnglish is t, or the built-in English for nil (a request outside any room
// whose texts were not looked up).
func textOrEnglish(t *Text) *Text {
	if t == nil {
		return english
	}
	return t
}

// ErrorMessage returns m in t's language, with the room's overrides (page.strings).
func (t *Text) ErrorMessage(m ErrorMessage) string {
	t = textOrEnglish(t)
	if m >= numErrorMessages {
		return t.words[keyErrOther]
	}
	return t.words[errMessageKey[m]]
}

// ErrorData is the error page for status code and message m in t's language; the
// caller sets Again. Its strings are the texts' own, so that it costs nothing to
// build and can key the page cache.
func (t *Text) ErrorData(code int, m ErrorMessage) ErrorData {
	t = textOrEnglish(t)
	h, ok := errHeadingKey[code]
	switch {
	case ok:
	case code >= 500:
		h = keyErrServer
	default:
		h = keyErrOther
	}
	tag := t.words[keyErrTag]
	if code < 400 {
		// Not an error (the shopper left the line): the page's own label.
		tag = t.words[keyTag]
	}
	return ErrorData{
		Code:      code,
		Lang:      t.lang,
		Dir:       t.dir,
		Heading:   t.words[h],
		Message:   t.ErrorMessage(m),
		TagText:   tag,
		AgainText: t.words[keyErrAgain],
	}
}

// Tag is the page's small label, "Error 503", the status written with the
// language's digits.
func (d ErrorData) Tag() string {
	t := catalogue[d.Lang]
	if t == nil {
		t = english
	}
	code := t.num.appendNumber(nil, uint64(max(d.Code, 0)))
	return strings.Replace(d.TagText, "{code}", string(code), 1)
}
