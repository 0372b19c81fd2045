package ses

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/vigie-hq/vigie/internal/awssig"
	"github.com/vigie-hq/vigie/internal/deliver"
)

// The SendBulkEmail request, as documented in
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendBulkEmail.html.
type (
	bulkRequest struct {
		FromEmailAddress     string      `json:"FromEmailAddress"`
		ReplyToAddresses     []string    `json:"ReplyToAddresses,omitempty"`
		DefaultContent       bulkContent `json:"DefaultContent"`
		BulkEmailEntries     []bulkEntry `json:"BulkEmailEntries"`
		ConfigurationSetName string      `json:"ConfigurationSetName,omitempty"`
	}
	bulkContent struct {
		Template template `json:"Template"`
	}
	template struct {
		TemplateName    string           `json:"TemplateName,omitempty"`
		TemplateContent *TemplateContent `json:"TemplateContent,omitempty"`
		TemplateData    string           `json:"TemplateData"`
	}
	bulkEntry struct {
		Destination             destination        `json:"Destination"`
		ReplacementEmailContent replacementContent `json:"ReplacementEmailContent"`
		ReplacementHeaders      []header           `json:"ReplacementHeaders,omitempty"`
	}
	destination struct {
		ToAddresses []string `json:"ToAddresses"`
	}
	replacementContent struct {
		ReplacementTemplate struct {
			ReplacementTemplateData string `json:"ReplacementTemplateData"`
		} `json:"ReplacementTemplate"`
	}
	header struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	}
	// templateData fills Template's placeholders.
	templateData struct {
		Subject string `json:"subject"`
		Body    string `json:"body"`
	}
)

// entry is one item ready for a BulkEmailEntry.
type entry struct {
	index int
	bulkEntry
	subject, text string
}

// entry checks an item's address and builds its entry: the data carries
// the whole message, because SES uses the default data only for an entry
// without any (it does not merge them).
func (s *Sender) entry(it deliver.Item) (entry, error) {
	to, err := mail.ParseAddress(it.Address)
	if err != nil {
		return entry{}, fmt.Errorf("ses: recipient %q: %w", it.Address, err)
	}
	if !ascii(to.Address) {
		// SES takes neither SMTPUTF8 local parts nor unencoded IDN domains.
		return entry{}, fmt.Errorf("ses: recipient %q: SES takes only ASCII addresses", it.Address)
	}
	subject := strings.Join(strings.Fields(it.Subject), " ")
	body := it.Text
	headers := map[string]string{}
	if it.UnsubscribeURL != "" {
		body += "\n\n--\n" + unsubscribeLine(it.Lang) + " " + it.UnsubscribeURL + "\n"
		headers["List-Unsubscribe"] = "<" + it.UnsubscribeURL + ">"
		headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	}
	for k, v := range it.Headers {
		headers[k] = v
	}
	data, err := json.Marshal(templateData{Subject: subject, Body: body})
	if err != nil {
		return entry{}, fmt.Errorf("ses: encode template data: %w", err)
	}
	e := entry{subject: subject, text: it.Text}
	e.Destination.ToAddresses = []string{to.Address}
	e.ReplacementEmailContent.ReplacementTemplate.ReplacementTemplateData = string(data)
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := headers[k]
		// A header SES would refuse would fail the whole batch: it is left
		// out (the unsubscribe link stays in the body).
		if !headerNameRE.MatchString(k) || !headerValueRE.MatchString(v) || len(e.ReplacementHeaders) == maxHeaders {
			s.logger.Warn("ses: header left out", "header", k, "delivery_key", it.Key)
			continue
		}
		e.ReplacementHeaders = append(e.ReplacementHeaders, header{Name: k, Value: v})
	}
	return e, nil
}

func unsubscribeLine(lang string) string {
	if strings.HasPrefix(lang, "fr") {
		return "Ne plus recevoir ces alertes :"
	}
	return "Stop these alerts:"
}

// request builds the SendBulkEmail body of a chunk.
func (s *Sender) request(chunk []entry) bulkRequest {
	first, _ := json.Marshal(templateData{Subject: chunk[0].subject, Body: chunk[0].text})
	r := bulkRequest{FromEmailAddress: s.from, ReplyToAddresses: s.replyTo, ConfigurationSetName: s.o.ConfigurationSet,
		BulkEmailEntries: make([]bulkEntry, len(chunk))}
	r.DefaultContent.Template.TemplateData = string(first)
	if s.o.StoredTemplate != "" {
		r.DefaultContent.Template.TemplateName = s.o.StoredTemplate
	} else {
		content := Template
		r.DefaultContent.Template.TemplateContent = &content
	}
	for i, e := range chunk {
		r.BulkEmailEntries[i] = e.bulkEntry
	}
	return r
}

// call sends one signed request and returns the body of a 2xx answer.
func (s *Sender) call(ctx context.Context, op, method, path string, body []byte) ([]byte, *Error) {
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		wrote.Store(i.Err == nil)
	}})
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Op: op, Err: err, permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	awssig.Sign(req, s.creds, s.o.Region, "ses", awssig.PayloadHash(body), s.now())
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is ours and safe, but says nothing new
		}
		return nil, &Error{Op: op, Err: err, uncertain: wrote.Load()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err != nil {
			return nil, &Error{Op: op, Status: resp.StatusCode, Message: "unreadable answer", Err: err, uncertain: true}
		}
		return raw, nil
	}
	code, message := errorCode(resp.Header, raw)
	return nil, requestError(op, resp.StatusCode, code, message, deliver.RetryAfter(resp.Header.Get("Retry-After"), s.now()))
}

// errorCode reads an AWS REST-JSON error: the code from the
// X-Amzn-ErrorType header or the body's __type/code (or type, as local
// SES servers write it), the message from the body.
func errorCode(h http.Header, raw []byte) (code, message string) {
	var doc struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Kind     string `json:"type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	_ = json.Unmarshal(raw, &doc)
	code = h.Get("X-Amzn-Errortype")
	for _, c := range []string{doc.Type, doc.Code, doc.Kind} {
		if code == "" {
			code = c
		}
	}
	code, _, _ = strings.Cut(code, ":")
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	message = doc.Message
	if message == "" {
		message = doc.Message2
	}
	const maxMessage = 300
	if len(message) > maxMessage {
		message = message[:maxMessage] + "…"
	}
	return code, message
}
