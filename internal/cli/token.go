package cli

import (
	"fmt"
	"time"
)

type tokenCmd struct {
	Create tokenCreateCmd `cmd:"" help:"Create an API token for an account."`
	Revoke tokenRevokeCmd `cmd:"" help:"Revoke an API token."`
}

type tokenCreateCmd struct {
	storeFlags
	User  string        `name:"user" required:"" placeholder:"NAME" help:"Account the token acts as."`
	Scope string        `name:"scope" default:"read" enum:"read,write" help:"read (see incidents) or write (act with the account's permissions)."`
	Name  string        `name:"name" default:"automation" placeholder:"TEXT" help:"What the token is for."`
	TTL   time.Duration `name:"ttl" default:"0s" placeholder:"DURATION" help:"Lifetime such as 720h; 0 means no expiry."`
}

func (tokenCreateCmd) Help() string {
	return `Creates an API token and prints it once; only its hash is stored. Send it as
"Authorization: Bearer <token>" to /api/v1/.

Example:

  vigie token create --user marie --scope write --name "detection robot" --ttl 2160h`
}

func (c *tokenCreateCmd) Run(rt *Runtime) error {
	accounts, done, err := openAccounts(rt, c.storeFlags)
	if err != nil {
		return err
	}
	defer done()
	u, err := accounts.ByUsername(rt.Ctx, c.User)
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	secret, t, err := accounts.CreateToken(rt.Ctx, cliActor, u.ID, c.Name, c.Scope, c.TTL)
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	fmt.Fprintf(rt.Env.Stdout, "Token %d for %s (%s scope). It is shown only once:\n\n    %s\n\n", t.ID, u.Username, t.Scope, secret)
	return nil
}

type tokenRevokeCmd struct {
	storeFlags
	ID int64 `arg:"" name:"ID" help:"Token id (printed at creation)."`
}

func (tokenRevokeCmd) Help() string {
	return "Revokes a token at once.\n\nExample:\n\n  vigie token revoke 3"
}

func (c *tokenRevokeCmd) Run(rt *Runtime) error {
	accounts, done, err := openAccounts(rt, c.storeFlags)
	if err != nil {
		return err
	}
	defer done()
	if err := accounts.RevokeToken(rt.Ctx, cliActor, c.ID); err != nil {
		return fmt.Errorf("token revoke: %w", err)
	}
	fmt.Fprintf(rt.Env.Stdout, "Token %d revoked.\n", c.ID)
	return nil
}
