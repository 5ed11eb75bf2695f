#!/usr/bin/env bash
# Runs COMMAND with the test data of lib.sh's test_data in its environment
# (AWD_TEST_MNIST, AWD_TEST_CIFAR, AWD_TEST_REAL_MNIST, AWD_TEST_REAL_CIFAR), for
# tests that are no shell script (Python): one rule decides the data for all.
#   with_test_data.sh SHARED_DATA COMMAND ARGS...
. "$(dirname "$0")/lib.sh" awd-test-data
test_data "$1"
shift
"$@"
