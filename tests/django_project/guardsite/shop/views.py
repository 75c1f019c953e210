"""The code the guard protects: every flag, switch and sample named here must not be deleted."""

from django.http import HttpResponse
from django.shortcuts import render
from waffle import flag_is_active, sample_is_active, switch_is_active


def home(request):
    if switch_is_active("maintenance_mode"):
        return HttpResponse("down for maintenance")
    if not flag_is_active(request, "new_checkout"):
        return HttpResponse("coming soon")
    campaign = request.GET.get("campaign", "")
    promo = flag_is_active(request, "promo_" + campaign)
    return render(request, "shop/home.html", {"promo": promo, "banner": sample_is_active("ab_banner")})
