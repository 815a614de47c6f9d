"""pytest-bdd step definitions: drive the SUT through the adapter contract, assert on what it did and sent."""
