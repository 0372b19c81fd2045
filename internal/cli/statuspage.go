package cli

import (
	"fmt"
	"time"

	"github.com/vigie-hq/vigie/internal/app"
	"github.com/vigie-hq/vigie/internal/incident"
	"github.com/vigie-hq/vigie/internal/maintenance"
	"github.com/vigie-hq/vigie/internal/plan"
	"github.com/vigie-hq/vigie/internal/planversion"
	"github.com/vigie-hq/vigie/internal/statuspage"
	"github.com/vigie-hq/vigie/internal/userreport"
)

type statuspageCmd struct {
	Export statuspageExportCmd `cmd:"" help:"Write the public status page as static files."`
}

type statuspageExportCmd struct {
	storeFlags
	Dir      string        `arg:"" optional:"" name:"DIR" help:"Directory to write into (created if needed)."`
	S3       string        `name:"s3" placeholder:"URL" help:"Also (or only) upload to an S3-compatible bucket: s3://BUCKET/PREFIX?endpoint=URL&region=REGION&path_style=true (default: statuspage_s3). Credentials: s3_access_key_id / s3_secret_access_key, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY."`
	Watch    bool          `name:"watch" help:"Keep running and re-export whenever the page changes."`
	Interval time.Duration `name:"interval" default:"5s" help:"With --watch, how often to check for changes."`
	BaseURL  string        `name:"base-url" placeholder:"URL" help:"Public URL of the exported site, used in feeds and API links (default: base_url)."`
}

func (statuspageExportCmd) Help() string {
	return `Writes the whole public site — a page per language, the Statuspage-compatible
/api/v2 documents, RSS and Atom feeds, badge and assets, each with .gz and .br
siblings — so any static host, CDN or object store can serve it, even when
Vigie itself is down. Files are replaced atomically; unchanged files are kept.

Examples:

  vigie statuspage export ./public
  vigie statuspage export /var/www/status --watch --interval 10s
  vigie statuspage export --s3 "s3://status-cafe/?region=eu-west-3"

Uploads to a bucket send the uncompressed bodies with their Content-Type and
Cache-Control, and only the objects that changed since the previous upload
of the same run.`
}

func (c *statuspageExportCmd) Run(rt *Runtime) error {
	db, cfg, err := c.storeFlags.open(rt)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := activePlan(rt, planversion.NewStore(db), cfg.Plan)
	if err != nil {
		return err
	}
	active := func() *plan.Plan { return p }
	base := c.BaseURL
	if base == "" {
		base = cfg.PublicURL()
	}
	page := statuspage.New(statuspage.Options{
		Source:       incident.NewService(db, active, incident.Options{Logger: rt.Logger}),
		Reports:      userreport.NewStore(db, nil),
		Maintenances: maintenance.NewService(db, active, nil, nil),
		Plan:         active,
		BaseURL:      base,
		Logger:       rt.Logger,
	})
	if c.S3 != "" {
		cfg.StatuspageS3 = c.S3
	}
	if c.Dir == "" && cfg.StatuspageS3 == "" {
		return &ExitError{Code: 2, Err: fmt.Errorf("give a directory, --s3 URL, or both")}
	}
	var bucket statuspage.Bucket
	if cfg.StatuspageS3 != "" {
		if bucket, err = app.StatuspageBucket(cfg, rt.Env.Getenv); err != nil {
			return &ExitError{Code: 2, Err: err}
		}
	}
	known := map[string]string{}
	export := func() error {
		if err := page.Refresh(rt.Ctx); err != nil {
			return fmt.Errorf("statuspage export: %w", err)
		}
		if c.Dir != "" {
			n, err := page.Snapshot().WriteDir(c.Dir)
			if err != nil {
				return err
			}
			if n > 0 {
				fmt.Fprintf(rt.Env.Stdout, "%s wrote %d file(s) to %s\n", time.Now().Format("15:04:05"), n, c.Dir)
			}
		}
		if bucket != nil {
			n, err := page.Snapshot().Upload(rt.Ctx, bucket, known)
			if n > 0 {
				fmt.Fprintf(rt.Env.Stdout, "%s uploaded %d object(s) to %s\n", time.Now().Format("15:04:05"), n, cfg.StatuspageS3)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := export(); err != nil {
		return err
	}
	if !c.Watch {
		return nil
	}
	if c.Interval < time.Second {
		return &ExitError{Code: 2, Err: fmt.Errorf("--interval must be at least 1s")}
	}
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	for {
		select {
		case <-rt.Ctx.Done():
			return nil
		case <-t.C:
			if err := export(); err != nil {
				rt.Logger.Error("export failed; the previous files stay in place", "err", err)
			}
		}
	}
}
