module github.com/msikit/msikit

go 1.24

require (
	github.com/google/go-cmp v0.7.0
	github.com/richardlehane/mscfb v1.0.9
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2
	github.com/spf13/pflag v1.0.10
	golang.org/x/text v0.22.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require (
	github.com/richardlehane/msoleps v1.0.3 // indirect
	golang.org/x/crypto v0.11.0 // indirect
)
