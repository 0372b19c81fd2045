package plan

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// secretKeys are key names whose value is a secret wherever they appear.
var secretKeys = regexp.MustCompile(`(?i)^(password|passwd|secret|client_secret|token|access_token|refresh_token|auth_token|api_key|apikey|api_secret|private_key|app_secret|bot_token|webhook_secret|signing_secret)$`)

// secretShapes are well-known credential formats.
var secretShapes = []struct {
	name string
	re   *regexp.Regexp
}{
	{"a private key", regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abprs]-[0-9A-Za-z-]{10,}`)},
	{"a Stripe secret key", regexp.MustCompile(`\b[sr]k_(live|test)_[0-9A-Za-z]{16,}`)},
	{"a Meta access token", regexp.MustCompile(`\bEAA[A-Za-z0-9]{60,}`)},
	{"a Telegram bot token", regexp.MustCompile(`\b[0-9]{8,10}:AA[0-9A-Za-z_-]{33}\b`)},
	{"a Twilio API key", regexp.MustCompile(`\bSK[0-9a-f]{32}\b`)},
	{"an AWS access key", regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`)},
	{"a GitHub token", regexp.MustCompile(`\bgh[pousr]_[0-9A-Za-z]{36,}`)},
	{"a SendGrid key", regexp.MustCompile(`\bSG\.[0-9A-Za-z_-]{16,}\.[0-9A-Za-z_-]{16,}`)},
	{"a URL with a password", regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`)},
}

// scanSecrets reports secrets written literally in the plan. A plan is
// meant to live in git; secrets come from the environment or files.
func scanSecrets(index map[string]*node) Diagnostics {
	ptrs := make([]string, 0, len(index))
	for p := range index {
		ptrs = append(ptrs, p)
	}
	sort.Strings(ptrs)
	var diags Diagnostics
	for _, ptr := range ptrs {
		n := index[ptr]
		if n.kind != kindScalar {
			continue
		}
		s, isString := n.value.(string)
		toks := strings.Split(ptr, "/")
		last := toks[len(toks)-1]
		inCredentials := len(toks) >= 5 && toks[1] == "channels" && toks[3] == "credentials"
		var reason string
		switch {
		case inCredentials && len(toks) == 5:
			reason = fmt.Sprintf("credential %q is written in clear", last)
		case secretKeys.MatchString(last) && !(inCredentials && (last == "env" || last == "file")):
			reason = fmt.Sprintf("%q looks like a secret written in clear", last)
		case isString:
			for _, sh := range secretShapes {
				if sh.re.MatchString(s) {
					reason = "this value looks like " + sh.name
					break
				}
			}
		}
		if reason == "" {
			continue
		}
		diags = append(diags, Diagnostic{File: n.pos.File, Line: n.pos.Line, Column: n.pos.Column, Severity: SeverityError, Code: "secret-in-clear",
			Message: reason + " (the value is not shown)", Hint: "use {env: VARIABLE_NAME} or {file: /run/secrets/name} under channels.<name>.credentials", Path: ptr})
	}
	return diags
}

// dropCoveredBySecrets removes schema errors about values already reported
// as secrets in clear, so each problem is reported once.
func dropCoveredBySecrets(schema, others Diagnostics) Diagnostics {
	var out Diagnostics
	for _, d := range schema {
		covered := false
		for _, o := range others {
			if o.Code == "secret-in-clear" && d.Path == o.Path {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, d)
		}
	}
	return out
}
