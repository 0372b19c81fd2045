package sestest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
)

// The documented request shapes, decoded strictly.
type (
	msgHeader   struct{ Name, Value string }
	tmplContent struct {
		Subject string `json:"Subject"`
		Text    string `json:"Text"`
		HTML    string `json:"Html"`
	}
	bulkRequest struct {
		FromEmailAddress string   `json:"FromEmailAddress"`
		ReplyToAddresses []string `json:"ReplyToAddresses"`
		DefaultEmailTags []struct{ Name, Value string }
		DefaultContent   *struct {
			Template *struct {
				TemplateName    string       `json:"TemplateName"`
				TemplateArn     string       `json:"TemplateArn"`
				TemplateContent *tmplContent `json:"TemplateContent"`
				TemplateData    string       `json:"TemplateData"`
				Headers         []msgHeader  `json:"Headers"`
			} `json:"Template"`
		} `json:"DefaultContent"`
		BulkEmailEntries []struct {
			Destination *struct {
				ToAddresses  []string `json:"ToAddresses"`
				CcAddresses  []string `json:"CcAddresses"`
				BccAddresses []string `json:"BccAddresses"`
			} `json:"Destination"`
			ReplacementTags         []struct{ Name, Value string }
			ReplacementEmailContent *struct {
				ReplacementTemplate *struct {
					ReplacementTemplateData string `json:"ReplacementTemplateData"`
				} `json:"ReplacementTemplate"`
			} `json:"ReplacementEmailContent"`
			ReplacementHeaders []msgHeader `json:"ReplacementHeaders"`
		} `json:"BulkEmailEntries"`
		ConfigurationSetName string `json:"ConfigurationSetName"`
	}
	entryResult struct {
		Status    string `json:"Status"`
		Error     string `json:"Error,omitempty"`
		MessageID string `json:"MessageId,omitempty"`
	}
)

// sendBulk implements SendBulkEmail.
func (s *Server) sendBulk(w http.ResponseWriter, body []byte) {
	s.mu.Lock()
	var f *Failure
	if len(s.script) > 0 {
		f = &s.script[0]
		s.script = s.script[1:]
	}
	s.mu.Unlock()
	if f != nil {
		if f.Drop {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
		}
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		fail(w, f.Status, f.Code, f.Message)
		return
	}
	var req bulkRequest
	if err := decode(body, &req); err != nil {
		fail(w, http.StatusBadRequest, "BadRequestException", "invalid JSON: "+err.Error())
		return
	}
	if msg := validate(&req); msg != "" {
		fail(w, http.StatusBadRequest, "BadRequestException", msg)
		return
	}
	t := req.DefaultContent.Template
	content := t.TemplateContent
	if t.TemplateName != "" {
		s.mu.Lock()
		c, ok := s.templates[t.TemplateName]
		s.mu.Unlock()
		if !ok {
			fail(w, http.StatusNotFound, "NotFoundException", fmt.Sprintf("Template %s does not exist.", t.TemplateName))
			return
		}
		content = &tmplContent{Subject: c.Subject, Text: c.Text, HTML: c.HTML}
	}
	results := make([]entryResult, len(req.BulkEmailEntries))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range req.BulkEmailEntries {
		to := e.Destination.ToAddresses
		if st, ok := s.statuses[firstOf(to)]; ok {
			results[i] = entryResult{Status: st[0], Error: st[1]}
			continue
		}
		data := t.TemplateData
		if e.ReplacementEmailContent != nil && e.ReplacementEmailContent.ReplacementTemplate != nil {
			if d := e.ReplacementEmailContent.ReplacementTemplate.ReplacementTemplateData; d != "" && d != "{}" {
				data = d
			}
		}
		vars := map[string]any{}
		_ = json.Unmarshal([]byte(data), &vars)
		headers := map[string]string{}
		for _, h := range t.Headers {
			headers[h.Name] = h.Value
		}
		for _, h := range e.ReplacementHeaders {
			headers[h.Name] = h.Value
		}
		s.seq++
		id := fmt.Sprintf("0100%016x-%08x-000000", s.seq, s.seq*7919)
		s.messages = append(s.messages, Message{ID: id, From: req.FromEmailAddress, ReplyTo: req.ReplyToAddresses, To: to,
			Subject: render(content.Subject, vars), Text: render(content.Text, vars), Headers: headers,
			ConfigurationSet: req.ConfigurationSetName, Template: t.TemplateName})
		results[i] = entryResult{Status: "SUCCESS", MessageID: id}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"BulkEmailEntryResults": results})
}

// validate checks what SES documents as required or bounded.
func validate(r *bulkRequest) string {
	if _, err := mail.ParseAddress(r.FromEmailAddress); err != nil {
		return "FromEmailAddress is required and must be an address"
	}
	for _, a := range r.ReplyToAddresses {
		if _, err := mail.ParseAddress(a); err != nil {
			return "ReplyToAddresses: " + err.Error()
		}
	}
	if r.DefaultContent == nil || r.DefaultContent.Template == nil {
		return "DefaultContent.Template is required"
	}
	t := r.DefaultContent.Template
	set := 0
	for _, ok := range []bool{t.TemplateName != "", t.TemplateArn != "", t.TemplateContent != nil} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return "DefaultContent.Template needs exactly one of TemplateName, TemplateArn and TemplateContent"
	}
	if t.TemplateArn != "" {
		return "this double does not serve templates by ARN"
	}
	if c := t.TemplateContent; c != nil && (c.Subject == "" || c.Text == "" && c.HTML == "") {
		return "TemplateContent needs a subject and a text or HTML part"
	}
	if msg := checkData("TemplateData", t.TemplateData); msg != "" {
		return msg
	}
	if msg := checkHeaders(t.Headers); msg != "" {
		return msg
	}
	if n := len(r.BulkEmailEntries); n == 0 || n > 50 {
		return fmt.Sprintf("BulkEmailEntries has %d entries: want 1 to 50", n)
	}
	for i, e := range r.BulkEmailEntries {
		d := e.Destination
		if d == nil || len(d.ToAddresses)+len(d.CcAddresses)+len(d.BccAddresses) == 0 {
			return fmt.Sprintf("BulkEmailEntries[%d].Destination needs a recipient", i)
		}
		if n := len(d.ToAddresses) + len(d.CcAddresses) + len(d.BccAddresses); n > 50 {
			return fmt.Sprintf("BulkEmailEntries[%d] has %d recipients: at most 50", i, n)
		}
		for _, a := range append(append(append([]string(nil), d.ToAddresses...), d.CcAddresses...), d.BccAddresses...) {
			if addr, err := mail.ParseAddress(a); err != nil || strings.ContainsFunc(addr.Address, func(r rune) bool { return r > 0x7e }) {
				return fmt.Sprintf("BulkEmailEntries[%d]: invalid address %q", i, a)
			}
		}
		if c := e.ReplacementEmailContent; c != nil && c.ReplacementTemplate != nil {
			if msg := checkData(fmt.Sprintf("BulkEmailEntries[%d].ReplacementTemplateData", i), c.ReplacementTemplate.ReplacementTemplateData); msg != "" {
				return msg
			}
		}
		if msg := checkHeaders(e.ReplacementHeaders); msg != "" {
			return fmt.Sprintf("BulkEmailEntries[%d]: %s", i, msg)
		}
	}
	return ""
}

func checkData(field, data string) string {
	if data == "" {
		return ""
	}
	if len(data) > 262144 {
		return field + " is longer than 262144 characters"
	}
	var v map[string]any
	if json.Unmarshal([]byte(data), &v) != nil {
		return field + " must be a JSON object"
	}
	return ""
}

func checkHeaders(hs []msgHeader) string {
	if len(hs) > 15 {
		return "at most 15 headers"
	}
	for _, h := range hs {
		if !headerName.MatchString(h.Name) || !headerValue.MatchString(h.Value) {
			return fmt.Sprintf("invalid header %q", h.Name)
		}
	}
	return ""
}

// render replaces {{name}} with the data's value (empty when missing), as
// SES's simple substitution does.
func render(tmpl string, vars map[string]any) string {
	return placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		v, ok := vars[placeholder.FindStringSubmatch(m)[1]]
		if !ok || v == nil {
			return ""
		}
		return fmt.Sprint(v)
	})
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// createTemplate implements CreateEmailTemplate.
func (s *Server) createTemplate(w http.ResponseWriter, body []byte) {
	var req struct {
		TemplateName    string       `json:"TemplateName"`
		TemplateContent *tmplContent `json:"TemplateContent"`
	}
	if err := decode(body, &req); err != nil || !templatePath.MatchString("/v2/email/templates/"+req.TemplateName) || req.TemplateContent == nil {
		fail(w, http.StatusBadRequest, "BadRequestException", "TemplateName and TemplateContent are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.templates[req.TemplateName]; ok {
		fail(w, http.StatusBadRequest, "AlreadyExistsException", "Template "+req.TemplateName+" already exists.")
		return
	}
	c := req.TemplateContent
	s.templates[req.TemplateName] = Content{Subject: c.Subject, Text: c.Text, HTML: c.HTML}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
}

// updateTemplate implements UpdateEmailTemplate.
func (s *Server) updateTemplate(w http.ResponseWriter, name string, body []byte) {
	var req struct {
		TemplateContent *tmplContent `json:"TemplateContent"`
	}
	if err := decode(body, &req); err != nil || req.TemplateContent == nil {
		fail(w, http.StatusBadRequest, "BadRequestException", "TemplateContent is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.templates[name]; !ok {
		fail(w, http.StatusNotFound, "NotFoundException", "Template "+name+" does not exist.")
		return
	}
	c := req.TemplateContent
	s.templates[name] = Content{Subject: c.Subject, Text: c.Text, HTML: c.HTML}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
}
