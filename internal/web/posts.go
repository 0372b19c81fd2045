package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/social/publish"
)

// Posts lists an incident's social posts and takes one down.
type Posts interface {
	List(ctx context.Context, incidentID int64) ([]publish.Post, error)
	Delete(ctx context.Context, actor incident.Actor, id int64) (publish.Post, error)
}

// postView is a social post in the crisis room.
type postView struct {
	ID                     int64
	Platform, Account, URL string
	At                     string
	Deleted, CanTakeDown   bool
}

// posts lists the incident's social posts, newest first.
func (c *Console) posts(ctx context.Context, pg *page, v *visitor, id int64) []postView {
	if c.Posts == nil {
		return nil
	}
	list, err := c.Posts.List(ctx, id)
	if err != nil {
		c.Logger.Warn("list social posts", "incident", id, "err", err)
		return nil
	}
	can := incident.Can(v.Actor.Role, incident.ActPublish)
	out := make([]postView, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		p := list[i]
		out = append(out, postView{ID: p.ID, Platform: p.Posted.Platform, Account: p.Account, URL: p.Posted.URL, At: pg.Clock(p.PostedAt),
			Deleted: p.Deleted, CanTakeDown: can && !p.Deleted})
	}
	return out
}

func (c *Console) handleTakeDown(w http.ResponseWriter, r *http.Request, v *visitor) {
	c.incidentAction("posts", func(r *http.Request, v *visitor, _ int64) (string, error) {
		ctx, cancel := requestContext(r)
		defer cancel()
		if c.Posts == nil {
			return "", &incident.Error{Code: incident.CodeConflict, Message: "no social account is configured"}
		}
		id, err := strconv.ParseInt(r.PathValue("post"), 10, 64)
		if err != nil {
			return "", &incident.Error{Code: incident.CodeInvalid, Message: "post id"}
		}
		_, err = c.Posts.Delete(ctx, v.Actor, id)
		return tr(v.Lang, "The post was taken down; the next update replies to the one before."), err
	})(w, r, v)
}
