package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/social"
	"github.com/vigie-hq/vigie/internal/store"
)

// Threads remembers where each incident's posts landed, per platform.
type Threads struct {
	db  *store.DB
	now func() time.Time
}

// NewThreads returns a Threads on db; now may be nil.
func NewThreads(db *store.DB, now func() time.Time) *Threads {
	if now == nil {
		now = time.Now
	}
	return &Threads{db: db, now: now}
}

// Record stores a published post of an incident's message.
func (t *Threads) Record(ctx context.Context, incidentID, messageID int64, account string, p social.Posted) error {
	_, err := t.db.SQL().ExecContext(ctx, t.db.Rebind(`INSERT INTO social_posts (incident_id, message_id, platform, account, post_id, uri, cid, root_uri, root_cid, url, posted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), incidentID, messageID, p.Platform, account, p.ID, p.URI, p.CID, p.Root.URI, p.Root.CID, p.URL,
		t.db.TimeArg(store.Timestamp(t.now())))
	if err != nil {
		return fmt.Errorf("publish: record %s post %s: %w", p.Platform, p.ID, err)
	}
	return nil
}

// Last returns the newest post of the incident on platform that was not
// deleted: the one the next update replies to.
func (t *Threads) Last(ctx context.Context, incidentID int64, platform string) (social.Posted, bool, error) {
	var p social.Posted
	err := t.db.SQL().QueryRowContext(ctx, t.db.Rebind(`SELECT platform, post_id, uri, cid, root_uri, root_cid, url FROM social_posts
		WHERE incident_id = ? AND platform = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT 1`), incidentID, platform).
		Scan(&p.Platform, &p.ID, &p.URI, &p.CID, &p.Root.URI, &p.Root.CID, &p.URL)
	if errors.Is(err, sql.ErrNoRows) {
		return social.Posted{}, false, nil
	}
	if err != nil {
		return social.Posted{}, false, fmt.Errorf("publish: last %s post of incident %d: %w", platform, incidentID, err)
	}
	return p, true, nil
}

// Post is a stored post.
type Post struct {
	ID         int64
	IncidentID int64
	MessageID  int64
	Account    string
	Posted     social.Posted
	PostedAt   time.Time
	Deleted    bool
}

// List returns an incident's posts, oldest first.
func (t *Threads) List(ctx context.Context, incidentID int64) ([]Post, error) {
	rows, err := t.db.SQL().QueryContext(ctx, t.db.Rebind(`SELECT id, incident_id, message_id, account, platform, post_id, uri, cid, root_uri, root_cid, url, posted_at, deleted_at IS NOT NULL
		FROM social_posts WHERE incident_id = ? ORDER BY id`), incidentID)
	if err != nil {
		return nil, fmt.Errorf("publish: posts of incident %d: %w", incidentID, err)
	}
	defer rows.Close()
	var out []Post
	for rows.Next() {
		var p Post
		if err := rows.Scan(&p.ID, &p.IncidentID, &p.MessageID, &p.Account, &p.Posted.Platform, &p.Posted.ID, &p.Posted.URI, &p.Posted.CID,
			&p.Posted.Root.URI, &p.Posted.Root.CID, &p.Posted.URL, store.ScanTime(&p.PostedAt), &p.Deleted); err != nil {
			return nil, fmt.Errorf("publish: scan post: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MarkDeleted records that a post was taken down; the thread continues
// under the previous one.
func (t *Threads) MarkDeleted(ctx context.Context, id int64) error {
	_, err := t.db.SQL().ExecContext(ctx, t.db.Rebind(`UPDATE social_posts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`), t.db.TimeArg(store.Timestamp(t.now())), id)
	if err != nil {
		return fmt.Errorf("publish: mark post %d deleted: %w", id, err)
	}
	return nil
}

// Get returns one stored post.
func (t *Threads) Get(ctx context.Context, id int64) (Post, error) {
	var p Post
	err := t.db.SQL().QueryRowContext(ctx, t.db.Rebind(`SELECT id, incident_id, message_id, account, platform, post_id, uri, cid, root_uri, root_cid, url, posted_at, deleted_at IS NOT NULL
		FROM social_posts WHERE id = ?`), id).Scan(&p.ID, &p.IncidentID, &p.MessageID, &p.Account, &p.Posted.Platform, &p.Posted.ID, &p.Posted.URI, &p.Posted.CID,
		&p.Posted.Root.URI, &p.Posted.Root.CID, &p.Posted.URL, store.ScanTime(&p.PostedAt), &p.Deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Post{}, ErrNoPost
	}
	if err != nil {
		return Post{}, fmt.Errorf("publish: post %d: %w", id, err)
	}
	return p, nil
}

// ErrNoPost is returned for an unknown post.
var ErrNoPost = errors.New("publish: no such post")
