// Package plan holds the crisis plan as code: its model, loading from YAML
// with positions, validation against a JSON Schema plus semantic checks,
// readiness linting, the risk matrix and guarded message templates. It is
// pure: it reads files it is given and never touches the database.
package plan

// Plan is a validated crisis plan. Its fields mirror the YAML keys
// documented in docs/plan.md.
type Plan struct {
	Version      int                `json:"version"`
	Organisation Organisation       `json:"organisation"`
	Dependencies []Dependency       `json:"dependencies"`
	Components   []Component        `json:"components"`
	Scenarios    []Scenario         `json:"scenarios"`
	Team         Team               `json:"team"`
	Approval     Approval           `json:"approval"`
	Messages     []Message          `json:"messages"`
	FAQ          []FAQEntry         `json:"faq"`
	Rumours      []Rumour           `json:"rumours"`
	Assistant    Assistant          `json:"assistant"`
	Channels     map[string]Channel `json:"channels"`
	Continuity   []ContinuityOption `json:"continuity"`
	Compensation *Compensation      `json:"compensation,omitempty"`
	Detection    *Detection         `json:"detection,omitempty"`
	Delivery     Delivery           `json:"delivery"`

	// Sources are the files the plan was read from, in load order. They are
	// what gets stored as a plan version.
	Sources []File `json:"-"`

	hash string
}

// Organisation describes the business that owns the plan.
type Organisation struct {
	Name            string   `json:"name"`
	Languages       []string `json:"languages"`
	DefaultLanguage string   `json:"default_language"`
	Timezone        string   `json:"timezone"`
	Website         string   `json:"website"`
	StatusURL       string   `json:"status_url"`
	Logo            string   `json:"logo"`
	BrandColour     string   `json:"brand_colour"`
	Hashtags        []string `json:"hashtags"`
}

// Dependency is a third-party platform the business relies on.
type Dependency struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Critical    bool   `json:"critical"`
	Description Text   `json:"description"`
	StatusFeed  string `json:"status_feed"`
}

// Component is something customers see and that has a status.
type Component struct {
	ID          string   `json:"id"`
	Name        Text     `json:"name"`
	Description Text     `json:"description"`
	DependsOn   []string `json:"depends_on"`
	Group       string   `json:"group"`
	Hidden      bool     `json:"hidden"`
}

// Cause categories of a scenario.
const (
	CauseInternalBug       = "internal_bug"
	CauseServerFailure     = "server_failure"
	CauseThirdPartyOutage  = "third_party_outage"
	CauseCyberattackDDoS   = "cyberattack_ddos"
	CauseNaturalDisaster   = "natural_disaster"
	CauseDataBreach        = "data_breach"
	CauseHumanError        = "human_error"
	CauseOther             = "other"
	defaultCadenceMinutes  = 30
	defaultReportMinutes   = 60
	maxCadenceMinutes      = 24 * 60
	defaultApproverCount   = 1
	riskMatrixSize         = 5
	templateSampleLanguage = "fr"
)

// Scenario is a crisis the business has prepared for.
type Scenario struct {
	ID          string   `json:"id"`
	Title       Text     `json:"title"`
	Description Text     `json:"description"`
	Cause       string   `json:"cause"`
	Dependency  string   `json:"dependency"`
	Probability int      `json:"probability"`
	Impact      int      `json:"impact"`
	Severity    string   `json:"severity"`
	Components  []string `json:"components"`
	Triggers    []string `json:"triggers"`
	// CadenceMinutes is the promised interval between public updates.
	CadenceMinutes int `json:"cadence_minutes"`
	// ReportCadenceMinutes is the interval between internal tactical
	// reports (conditions, actions, needs).
	ReportCadenceMinutes int `json:"report_cadence_minutes"`
	// Approvals lists roles that must approve any public message of this
	// scenario, on top of the approval policy.
	Approvals  []string `json:"approvals"`
	Workaround Text     `json:"workaround"`
	Hashtags   []string `json:"hashtags"`
	// AutoDeclare lets detection declare the incident when a trigger
	// holds, with nobody in the loop; otherwise detection pages the
	// communication role with the suggestion.
	AutoDeclare bool `json:"auto_declare"`
	// AutoPublish publishes the scenario's pre-approved acknowledgements
	// when detection declares it.
	AutoPublish bool `json:"auto_publish"`
	// MinConfidence is the confidence detection needs to act [0.6].
	MinConfidence float64 `json:"min_confidence"`
}

// Risk returns probability × impact.
func (s Scenario) Risk() int { return s.Probability * s.Impact }

// Severities, from least to most severe.
var Severities = []string{"minor", "major", "critical"}

// Team is the crisis team: people and the roles they hold.
type Team struct {
	People []Person         `json:"people"`
	Roles  map[string]*Role `json:"roles"`
}

// Person is a member of the crisis team.
type Person struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Title     string            `json:"title"`
	Languages []string          `json:"languages"`
	Contact   map[string]string `json:"contact"`
	// Notify lists the contact channels to page, in order of preference.
	Notify []string `json:"notify"`
}

// Role names every plan must staff.
var RequiredRoles = []string{"commander", "communication", "technical", "legal", "customer_service", "media_watch"}

// Role is a crisis role with its holder, backups and checklist.
type Role struct {
	Name      Text       `json:"name"`
	Primary   string     `json:"primary"`
	Backups   []string   `json:"backups"`
	Checklist []TaskSpec `json:"checklist"`
}

// TaskSpec is a checklist item; Due is an offset from declaration like "+5m".
type TaskSpec struct {
	ID        string   `json:"id"`
	Title     Text     `json:"title"`
	Due       string   `json:"due"`
	Scenarios []string `json:"scenarios"`
}

// Approval is the policy for public messages.
type Approval struct {
	// AuthorCanApprove allows authors to approve their own text; false by
	// default (two-person rule).
	AuthorCanApprove bool           `json:"author_can_approve"`
	Rules            []ApprovalRule `json:"rules"`
	// PreApproved lists message ids that may go out without a human.
	PreApproved []string `json:"pre_approved"`
}

// ApprovalRule requires Approvers approvals from holders of Roles for the
// messages it matches. Empty match lists match everything.
type ApprovalRule struct {
	ID        string   `json:"id"`
	Phases    []string `json:"phases"`
	Scenarios []string `json:"scenarios"`
	Channels  []string `json:"channels"`
	Audiences []string `json:"audiences"`
	Approvers int      `json:"approvers"`
	Roles     []string `json:"roles"`
}

// Message phases, channels and audiences.
var (
	Phases       = []string{"acknowledge", "update", "resolved", "postmortem", "thanks"}
	ChannelNames = []string{"statuspage", "email", "sms", "push", "webhook", "x", "mastodon", "bluesky", "facebook", "instagram", "linkedin", "telegram", "slack", "teams", "whatsapp"}
	Audiences    = []string{"customers", "staff", "partners", "press"}
)

// Message is a pre-drafted template for a scenario, phase, channel set and
// audience, in each language.
type Message struct {
	ID       string   `json:"id"`
	Scenario string   `json:"scenario"`
	Phase    string   `json:"phase"`
	Channels []string `json:"channels"`
	Audience string   `json:"audience"`
	Subject  Text     `json:"subject"`
	Text     Text     `json:"text"`
	Hashtags []string `json:"hashtags"`
}

// FAQEntry is an approved question/answer pair.
type FAQEntry struct {
	ID         string              `json:"id"`
	Tags       []string            `json:"tags"`
	UsesStatus bool                `json:"uses_status"`
	Questions  map[string][]string `json:"questions"`
	Answer     Text                `json:"answer"`
}

// Rumour is a known false claim with its approved factual answer.
type Rumour struct {
	ID            string              `json:"id"`
	Claims        map[string][]string `json:"claims"`
	Answer        Text                `json:"answer"`
	ApprovalRoles []string            `json:"approval_roles"`
}

// Assistant configures the customer-facing assistant.
type Assistant struct {
	Handoff Text `json:"handoff"`
}

// Channel is an outbound channel's configuration. Credentials are
// references to environment variables or files, never values.
type Channel struct {
	Enabled     bool                 `json:"enabled"`
	Provider    string               `json:"provider"`
	Fallback    string               `json:"fallback"`
	Settings    map[string]any       `json:"settings"`
	Credentials map[string]SecretRef `json:"credentials"`
}

// SecretRef names where a secret comes from.
type SecretRef struct {
	Env  string `json:"env,omitempty"`
	File string `json:"file,omitempty"`
}

// Continuity option kinds.
var ContinuityKinds = []string{"sms", "phone", "web", "telegram", "email", "tracking", "store", "other"}

// ContinuityOption is something customers can do while a dependency is down.
type ContinuityOption struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	Value        string `json:"value"`
	Label        Text   `json:"label"`
	Instructions Text   `json:"instructions"`
}

// Compensation is the commercial gesture policy.
type Compensation struct {
	VoucherPercent   int    `json:"voucher_percent"`
	MinAffectedHours int    `json:"min_affected_hours"`
	ValidDays        int    `json:"valid_days"`
	CodePrefix       string `json:"code_prefix"`
	Description      Text   `json:"description"`
}

// Detection configures the probes that watch dependencies.
type Detection struct {
	// IntervalSeconds between two runs of each network probe [15].
	IntervalSeconds int `json:"interval_seconds"`
	// Resolvers are the DNS servers queried (host:port).
	Resolvers []string `json:"resolvers"`
	// Controls are independent well-known targets: when they fail too,
	// the trouble is our own network, never the dependency.
	Controls ProbeTargets `json:"controls"`
	// Dependencies lists what to probe for each watched dependency.
	Dependencies []DependencyProbes `json:"dependencies"`
	// CAFile adds trusted roots for TLS probes (PEM), for private targets.
	CAFile string `json:"ca_file"`
}

// ProbeTargets are the network checks of one dependency (or the controls).
type ProbeTargets struct {
	DNS       []string `json:"dns"`
	TCP       []string `json:"tcp"`
	HTTPS     []string `json:"https"`
	WebSocket []string `json:"websocket"`
}

// DependencyProbes are the probes of one dependency.
type DependencyProbes struct {
	ID string `json:"id"`
	ProbeTargets
	CloudAPI *CloudAPIProbe `json:"cloud_api,omitempty"`
}

// CloudAPIProbe watches the WhatsApp Business Cloud API of the business's
// own number: health status, a canary template sent to a number the
// business owns, and the delivery statuses Meta posts back.
type CloudAPIProbe struct {
	BaseURL       string `json:"base_url"`
	Version       string `json:"version"`
	PhoneNumberID string `json:"phone_number_id"`
	// Token is the Cloud API access token; AppSecret verifies the status
	// webhooks; VerifyToken answers Meta's webhook verification.
	Token       SecretRef `json:"token"`
	AppSecret   SecretRef `json:"app_secret"`
	VerifyToken SecretRef `json:"verify_token"`
	// CanaryTo and CanaryTemplate enable send-and-confirm canaries.
	CanaryTo       string `json:"canary_to"`
	CanaryTemplate string `json:"canary_template"`
	CanaryLanguage string `json:"canary_language"`
	// CanaryIntervalSeconds between canaries [60].
	CanaryIntervalSeconds int `json:"canary_interval_seconds"`
}

// Delivery sets the order in which a contact's channels are tried.
type Delivery struct {
	// Escalation: a contact subscribed on From and To gets a message that
	// has both channels on From first, and on To only if From did not
	// reach them within AfterMinutes. Critical incidents send on both at
	// once.
	Escalation []Escalation `json:"escalation"`
}

// Escalation is one step of the channel order.
type Escalation struct {
	From         string `json:"from"`
	To           string `json:"to"`
	AfterMinutes int    `json:"after_minutes"`
}
