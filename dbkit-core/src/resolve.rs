//! Turns the declarations of a whole workspace into one checked schema model.
