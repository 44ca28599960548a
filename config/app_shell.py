"""The browser UI's shell: one template that loads the built React app (frontend/).

Logged-out visitors go to the login page first. The view sets the CSRF cookie that the app
sends back as X-CSRFToken on commands.
"""

from django.contrib.auth.decorators import login_required
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.generic import TemplateView

app_shell = login_required(ensure_csrf_cookie(TemplateView.as_view(template_name="app.html")))
