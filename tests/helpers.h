#ifndef QLD_TEST_HELPERS_H
#define QLD_TEST_HELPERS_H
#endif
