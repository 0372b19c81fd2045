package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/social"
	"github.com/vigie-hq/vigie/internal/social/publish"
)

// socialPosts lists an incident's social posts and takes one down: a
// timeline action (a correction is a new message, published as a reply).
type socialPosts struct {
	threads   *publish.Threads
	incidents *incident.Service
	accounts  map[string]*publish.Channel
}

// List returns an incident's posts, oldest first.
func (s *socialPosts) List(ctx context.Context, incidentID int64) ([]publish.Post, error) {
	return s.threads.List(ctx, incidentID)
}

// Delete takes post id down on its platform, marks it deleted (the next
// update replies to the one before) and records it on the timeline.
func (s *socialPosts) Delete(ctx context.Context, actor incident.Actor, id int64) (publish.Post, error) {
	if !incident.Can(actor.Role, incident.ActPublish) {
		return publish.Post{}, &incident.Error{Code: incident.CodeForbidden, Message: fmt.Sprintf("%s (%s) may not delete posts", actor.Username, actor.Role)}
	}
	p, err := s.threads.Get(ctx, id)
	if errors.Is(err, publish.ErrNoPost) {
		return publish.Post{}, &incident.Error{Code: incident.CodeNotFound, Message: fmt.Sprintf("post %d not found", id)}
	}
	if err != nil {
		return publish.Post{}, err
	}
	if p.Deleted {
		return p, nil
	}
	acc, ok := s.accounts[p.Posted.Platform]
	if !ok {
		return publish.Post{}, &incident.Error{Code: incident.CodeConflict, Message: fmt.Sprintf("the %s account is not configured on this server: delete the post on the platform", p.Posted.Platform)}
	}
	if err := acc.Delete(ctx, p.Posted); err != nil {
		msg := err.Error()
		var se *social.Error
		if errors.As(err, &se) {
			msg = se.Safe()
		}
		return publish.Post{}, &incident.Error{Code: incident.CodeConflict, Message: "could not delete the post: " + msg}
	}
	if err := s.threads.MarkDeleted(ctx, id); err != nil {
		return publish.Post{}, err
	}
	if _, err := s.incidents.RecordSignal(ctx, p.IncidentID, "social", map[string]any{"platform": p.Posted.Platform, "post_id": p.Posted.ID,
		"url": p.Posted.URL, "deleted_by": actor.Username, "text": fmt.Sprintf("%s post deleted by %s", social.DisplayName(p.Posted.Platform), actor.Username)}); err != nil {
		return publish.Post{}, err
	}
	p.Deleted = true
	return p, nil
}
