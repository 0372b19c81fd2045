# Vigie — usual targets. Nothing here is needed for the quick start.
GO ?= go
PKGS := ./...

.PHONY: run test test-short lint fmt vet bench build ci clean

run: ## Run the server with embedded defaults (SQLite in ./vigie-data, the Café Express example plan)
	$(GO) run ./cmd/vigie serve

build: ## Build the binary into ./bin/vigie
	$(GO) build -trimpath -o bin/vigie ./cmd/vigie

test: ## The test command of the README
	$(GO) test -race $(PKGS)

test-short:
	$(GO) test -short $(PKGS)

lint: fmt vet ## gofmt check, go vet, and the example plan lint
	$(GO) run ./cmd/vigie plan lint --strict examples/cafe-express/plan.yaml

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

bench: ## Benchmarks (figures go in closing notes and docs/)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

ci: ## What CI runs on a clean clone
	bash .ci/run

clean:
	rm -rf bin vigie-data
