package api

import (
	"context"
	"net/http"

	"github.com/vigie-hq/vigie/internal/auth"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/social/publish"
)

// Posts lists and takes down an incident's social posts.
type Posts interface {
	List(ctx context.Context, incidentID int64) ([]publish.Post, error)
	Delete(ctx context.Context, actor incident.Actor, id int64) (publish.Post, error)
}

type postJSON struct {
	ID        int64  `json:"id"`
	MessageID int64  `json:"message_id"`
	Platform  string `json:"platform"`
	Account   string `json:"account"`
	PostID    string `json:"post_id"`
	URL       string `json:"url"`
	PostedAt  string `json:"posted_at"`
	Deleted   bool   `json:"deleted"`
}

func postOut(p publish.Post) postJSON {
	return postJSON{ID: p.ID, MessageID: p.MessageID, Platform: p.Posted.Platform, Account: p.Account, PostID: p.Posted.ID, URL: p.Posted.URL,
		PostedAt: p.PostedAt.UTC().Format("2006-01-02T15:04:05Z"), Deleted: p.Deleted}
}

func (s *Server) listPosts(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	if err := s.read(p); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.Posts.List(ctx, id)
	if err != nil {
		return err
	}
	out := make([]postJSON, 0, len(list))
	for _, x := range list {
		out = append(out, postOut(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"posts": out})
	return nil
}

func (s *Server) deletePost(ctx context.Context, p auth.Principal, w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	post, err := s.Posts.Delete(ctx, p.Actor(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, postOut(post))
	return nil
}
