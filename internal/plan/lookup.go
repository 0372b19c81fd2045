package plan

// Component returns the component with id, or nil.
func (p *Plan) Component(id string) *Component {
	for i := range p.Components {
		if p.Components[i].ID == id {
			return &p.Components[i]
		}
	}
	return nil
}

// Dependency returns the dependency with id, or nil.
func (p *Plan) Dependency(id string) *Dependency {
	for i := range p.Dependencies {
		if p.Dependencies[i].ID == id {
			return &p.Dependencies[i]
		}
	}
	return nil
}

// Scenario returns the scenario with id, or nil.
func (p *Plan) Scenario(id string) *Scenario {
	for i := range p.Scenarios {
		if p.Scenarios[i].ID == id {
			return &p.Scenarios[i]
		}
	}
	return nil
}

// Person returns the team member with id, or nil.
func (p *Plan) Person(id string) *Person {
	for i := range p.Team.People {
		if p.Team.People[i].ID == id {
			return &p.Team.People[i]
		}
	}
	return nil
}

// Message returns the message template with id, or nil.
func (p *Plan) Message(id string) *Message {
	for i := range p.Messages {
		if p.Messages[i].ID == id {
			return &p.Messages[i]
		}
	}
	return nil
}

// MessagesFor returns the templates of a scenario and phase: the scenario's
// own ones, or those with scenario "*" when it has none for that phase.
func (p *Plan) MessagesFor(scenario, phase string) []Message {
	var own, generic []Message
	for _, m := range p.Messages {
		if m.Phase != phase {
			continue
		}
		switch m.Scenario {
		case scenario:
			own = append(own, m)
		case "*", "":
			generic = append(generic, m)
		}
	}
	if len(own) > 0 {
		return own
	}
	return generic
}

// ChannelEnabled reports whether the plan enables channel name. The status
// page is always enabled.
func (p *Plan) ChannelEnabled(name string) bool {
	if name == "statuspage" {
		return true
	}
	c, ok := p.Channels[name]
	return ok && c.Enabled
}
