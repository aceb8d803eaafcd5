"""Appeals' views, thin: gate → validate → one service call → render. public: the
resident's form and tracking page; staff: the queue and the appeal page with its actions;
entry: staff entry forms and the paper-register import; figures: the figures page."""
