package ses

import (
	"context"
	"encoding/json"
	"net/http"
)

// ensureTemplate makes the stored template hold Template before the first
// send: UpdateEmailTemplate (PUT /v2/email/templates/NAME), or
// CreateEmailTemplate (POST /v2/email/templates) when it does not exist.
// Updating rather than only creating keeps an account in step after an
// upgrade changes Template.
func (s *Sender) ensureTemplate(ctx context.Context) *Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.templateReady {
		return nil
	}
	name := s.o.StoredTemplate
	body, _ := json.Marshal(struct {
		TemplateContent TemplateContent `json:"TemplateContent"`
	}{Template})
	_, err := s.call(ctx, "UpdateEmailTemplate", http.MethodPut, "/v2/email/templates/"+name, body)
	if err != nil && err.Code == "NotFoundException" {
		body, _ = json.Marshal(struct {
			TemplateName    string          `json:"TemplateName"`
			TemplateContent TemplateContent `json:"TemplateContent"`
		}{name, Template})
		_, err = s.call(ctx, "CreateEmailTemplate", http.MethodPost, "/v2/email/templates", body)
		if err != nil && err.Code == "AlreadyExistsException" {
			err = nil // another instance created it meanwhile
		}
	}
	if err != nil {
		return err
	}
	s.logger.Info("ses: template ready", "template", name)
	s.templateReady = true
	return nil
}

// forgetTemplate makes the next send create the template again (it was
// deleted from the account).
func (s *Sender) forgetTemplate() {
	s.mu.Lock()
	s.templateReady = false
	s.mu.Unlock()
}
