package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigie-hq/vigie/internal/account"
)

// cliActor is the audit-log actor of changes made from the command line.
const cliActor = "cli"

type userCmd struct {
	Add           userAddCmd   `cmd:"" help:"Create a console account."`
	ResetPassword userResetCmd `cmd:"" name:"reset-password" help:"Set a new password for an account."`
	List          userListCmd  `cmd:"" help:"List console accounts."`
}

type userAddCmd struct {
	storeFlags
	Username      string `name:"username" required:"" placeholder:"NAME" help:"2 to 64 characters among a-z, 0-9, '.', '_' and '-' (lower-cased)."`
	Role          string `name:"role" required:"" placeholder:"ROLE" help:"admin, commander, communication, approver, responder or viewer."`
	Email         string `name:"email" placeholder:"ADDRESS" help:"Contact address of the account holder."`
	Person        string `name:"person" placeholder:"ID" help:"The plan's team member this account belongs to (team.people[].id); decides which plan roles the user may approve for."`
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from the first line of standard input instead of generating one."`
}

func (userAddCmd) Help() string {
	return `Creates an account. Without --password-stdin a password is generated, printed
once, and must be changed at first sign-in. Passwords have at least 12 characters.

Examples:

  vigie user add --username marie --role commander --person marie --email marie@cafe-express.fr
  printf '%s\n' "$PASSWORD" | vigie user add --username bob --role viewer --password-stdin`
}

func (c *userAddCmd) Run(rt *Runtime) error {
	role, err := account.ParseRole(c.Role)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	password, generated, err := c.password(rt)
	if err != nil {
		return err
	}
	accounts, done, err := openAccounts(rt, c.storeFlags)
	if err != nil {
		return err
	}
	defer done()
	u, err := accounts.Create(rt.Ctx, cliActor, account.User{
		Username:           c.Username,
		Email:              c.Email,
		Role:               role,
		Person:             c.Person,
		MustChangePassword: generated,
	}, password)
	if errors.Is(err, account.ErrUsernameTaken) {
		return fmt.Errorf("user add: username %q is already taken", strings.ToLower(strings.TrimSpace(c.Username)))
	}
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	out := rt.Env.Stdout
	fmt.Fprintf(out, "Created account %q (role %s).\n", u.Username, u.Role)
	if generated {
		printGenerated(out, u.Username, password)
	}
	return nil
}

func (c *userAddCmd) password(rt *Runtime) (password string, generated bool, err error) {
	if !c.PasswordStdin {
		return account.GeneratePassword(), true, nil
	}
	password, err = readPasswordLine(rt.Env.Stdin)
	if err != nil {
		return "", false, fmt.Errorf("user add: %w", err)
	}
	if err := account.ValidatePassword(password); err != nil {
		return "", false, fmt.Errorf("user add: %w", err)
	}
	return password, false, nil
}

type userResetCmd struct {
	storeFlags
	Username      string `name:"username" required:"" placeholder:"NAME" help:"Account to change."`
	PasswordStdin bool   `name:"password-stdin" help:"Read the new password from the first line of standard input instead of generating one."`
}

func (userResetCmd) Help() string {
	return `Replaces an account's password. A generated password is printed once and must
be changed at first sign-in; one read with --password-stdin is kept as is.

Examples:

  vigie user reset-password --username alice
  printf '%s\n' "$PASSWORD" | vigie user reset-password --username alice --password-stdin`
}

func (c *userResetCmd) Run(rt *Runtime) error {
	password, generated := account.GeneratePassword(), true
	if c.PasswordStdin {
		var err error
		if password, err = readPasswordLine(rt.Env.Stdin); err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		if err := account.ValidatePassword(password); err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		generated = false
	}
	accounts, done, err := openAccounts(rt, c.storeFlags)
	if err != nil {
		return err
	}
	defer done()
	u, err := accounts.ByUsername(rt.Ctx, c.Username)
	if errors.Is(err, account.ErrNotFound) {
		return fmt.Errorf("user reset-password: no account named %q (see vigie user list)", c.Username)
	}
	if err != nil {
		return fmt.Errorf("user reset-password: %w", err)
	}
	if err := accounts.SetPassword(rt.Ctx, cliActor, u.ID, password, generated); err != nil {
		return fmt.Errorf("user reset-password: %w", err)
	}
	out := rt.Env.Stdout
	fmt.Fprintf(out, "Password of %q changed.\n", u.Username)
	if generated {
		printGenerated(out, u.Username, password)
	}
	if u.Disabled {
		fmt.Fprintf(out, "Note: the account is disabled; it still cannot sign in.\n")
	}
	return nil
}

type userListCmd struct {
	storeFlags
}

func (userListCmd) Help() string {
	return "Lists accounts with their role, email, state and creation date.\n\nExample:\n\n  vigie user list --data ./vigie-data"
}

func (c *userListCmd) Run(rt *Runtime) error {
	accounts, done, err := openAccounts(rt, c.storeFlags)
	if err != nil {
		return err
	}
	defer done()
	users, err := accounts.List(rt.Ctx)
	if err != nil {
		return fmt.Errorf("user list: %w", err)
	}
	tw := tabwriter.NewWriter(rt.Env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLE\tEMAIL\tDISABLED\tCREATED")
	for _, u := range users {
		email := u.Email
		if email == "" {
			email = "-"
		}
		disabled := "no"
		if u.Disabled {
			disabled = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, email, disabled, u.CreatedAt.UTC().Format(time.DateTime+" MST"))
	}
	return tw.Flush()
}

// openAccounts opens the database of the command's configuration and
// returns the account store and a function closing the database.
func openAccounts(rt *Runtime, sf storeFlags) (*account.Store, func(), error) {
	db, _, err := sf.open(rt)
	if err != nil {
		return nil, nil, err
	}
	return account.NewStore(db), func() { db.Close() }, nil
}

// readPasswordLine returns the first line of r without its line ending.
func readPasswordLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("--password-stdin: no standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("--password-stdin: standard input is empty")
		}
		return "", fmt.Errorf("--password-stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// printGenerated shows a generated password, once.
func printGenerated(w io.Writer, username, password string) {
	fmt.Fprintf(w, "One-time password for %q (shown only once; it must be changed at first sign-in):\n\n    %s\n\n", username, password)
}
