"""The SUT adapter contract (`openapi.json`) and the bundled reference SUT (`reference/`)."""
