/* placeholder */
#include "helpers.h"
