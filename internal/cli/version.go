package cli

import (
	"encoding/json"
	"fmt"

	"github.com/vigie-hq/vigie/internal/buildinfo"
)

type versionCmd struct {
	JSON bool `help:"Print as JSON."`
}

func (versionCmd) Help() string {
	return "Example:\n\n  vigie version\n  vigie version --json"
}

func (c *versionCmd) Run(rt *Runtime) error {
	info := buildinfo.Read()
	if c.JSON {
		return json.NewEncoder(rt.Env.Stdout).Encode(info)
	}
	_, err := fmt.Fprintf(rt.Env.Stdout, "vigie %s (%s) %s\n", info.Version, firstNonEmpty(info.Revision, "unknown revision"), info.GoVersion)
	return err
}
